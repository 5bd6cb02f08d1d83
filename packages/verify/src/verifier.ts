/**
 * `createVerifier`: the one operation this package exists for, verifying a Latchkey access token.
 *
 * Order of checks on a miss: shape → algorithm allow-list → key by kid → the key fits the
 * algorithm → signature → (only now) payload → issuer, audience, times, subject. Nothing from
 * the payload is read before the signature is known to be good.
 */
import { VerifyError } from './errors.js';
import { checkClaims, decodePayload, deepFreeze, isUnexpired } from './lib/claims.js';
import { MAX_TOKEN_LENGTH, parseCompact, rememberHeader } from './lib/compact.js';
import { StaticKeySet, type KeySet } from './lib/key-set.js';
import type { KeyEntry } from './lib/keys.js';
import { normalizeOptions } from './lib/options.js';
import { RemoteKeySet } from './lib/remote-key-set.js';
import { SessionCheck } from './lib/session-check.js';
import { TokenCache } from './lib/token-cache.js';
import type { AccessTokenClaims, Verifier, VerifierOptions, VerifyCallOptions } from './types.js';

/**
 * Creates a verifier for the access tokens of one Latchkey server. Create it once per process
 * and share it: it owns the JWKS cache and the verified-token cache. Throws `invalid_options`
 * for bad options.
 *
 * @example
 * import { createVerifier, isVerifyError } from '@latchkey/verify';
 *
 * const verifier = createVerifier({
 *   jwksUrl: 'http://127.0.0.1:9999/auth/v1/.well-known/jwks.json',
 *   issuer: 'http://127.0.0.1:9999/auth/v1',
 *   audience: 'authenticated',
 * });
 * const claims = await verifier.verify(token);                     // local: signature + claims
 * const strict = await verifier.verify(token, { session: true });  // + is the session still live?
 */
export function createVerifier(options: VerifierOptions): Verifier {
  const settings = normalizeOptions(options);
  const { now, algorithms, clockTolerance } = settings;
  const keySet: KeySet =
    settings.keys.kind === 'static' ? new StaticKeySet(settings.keys.entries) : new RemoteKeySet({ ...settings.keys, now });
  const cache = settings.cacheEntries > 0 ? new TokenCache<AccessTokenClaims>(settings.cacheEntries) : undefined;
  const sessions = new SessionCheck({ ...settings.session, maxEntries: settings.cacheEntries || 10_000 });
  const rules = { issuer: settings.issuer, audiences: settings.audiences, clockTolerance };

  async function verifyLocally(token: string, nowMs: number): Promise<AccessTokenClaims> {
    if (typeof token !== 'string' || token.length > MAX_TOKEN_LENGTH) throw new VerifyError('malformed');
    const hit = cache?.get(token);
    if (hit !== undefined) {
      // A hit is only as good as a fresh verification: same exp rule, and the key that verified
      // it must still be published (a key removed from the JWKS takes its tokens with it).
      if (isUnexpired(hit.exp, nowMs / 1000, clockTolerance) && keySet.current(hit.key.kid, nowMs) === hit.key) return hit.claims;
      cache!.delete(token);
    }

    const jws = parseCompact(token);
    const { alg, kid } = jws.header;
    // The allow-list decides, never the token: `none` and HS* are not even representable here.
    if (!algorithms.has(alg as never)) throw new VerifyError('algorithm_not_allowed');
    if (typeof kid !== 'string' || kid === '') throw new VerifyError('unknown_key', 'The access token header names no key (kid).');
    let key: KeyEntry | undefined | Promise<KeyEntry | undefined> = keySet.lookup(kid, nowMs);
    if (key instanceof Promise) key = await key;
    if (key === undefined) throw new VerifyError('unknown_key');
    // The key's own type decides which algorithms it verifies: an RS256 header cannot make an EC
    // key (or any public key) be used another way.
    const check = key.checks.get(alg as never);
    if (check === undefined) throw new VerifyError('algorithm_not_allowed', 'The access token algorithm does not match its key.');
    // latin1: the signing input is base64url (checked by parseCompact), so one byte per char.
    if (!check(Buffer.from(jws.signingInput, 'latin1'), jws.signature)) throw new VerifyError('bad_signature');
    rememberHeader(jws);

    const claims = deepFreeze(checkClaims(decodePayload(jws.payload), rules, nowMs / 1000));
    cache?.set(token, { claims, exp: claims.exp, key });
    return claims;
  }

  return {
    async verify(token: string, call?: VerifyCallOptions): Promise<AccessTokenClaims> {
      const nowMs = now();
      const claims = await verifyLocally(token, nowMs);
      if (call?.session) {
        if (typeof claims.session_id !== 'string' || claims.session_id === '') {
          throw new VerifyError('malformed', 'The access token has no session_id claim to check.');
        }
        await sessions.check(token, claims.session_id, nowMs);
      }
      return claims;
    },
  };
}

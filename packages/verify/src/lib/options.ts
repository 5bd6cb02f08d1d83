/**
 * Validating and normalising {@link VerifierOptions}: every mistake is an `invalid_options`
 * error at `createVerifier` time, naming the option, instead of a surprise on the request path.
 */
import { VerifyError } from '../errors.js';
import type { VerifierOptions } from '../types.js';
import { isAlgorithm, SUPPORTED_ALGORITHMS, type Algorithm } from './algorithms.js';
import { importJwk, importKeyObject, type Jwk, type KeyEntry } from './keys.js';

export interface Settings {
  issuer: string;
  audiences: ReadonlySet<string>;
  algorithms: ReadonlySet<Algorithm>;
  clockTolerance: number;
  /** 0: no verified-token cache. */
  cacheEntries: number;
  now: () => number;
  keys:
    | { kind: 'static'; entries: KeyEntry[] }
    | { kind: 'remote'; url: string; maxAgeMs: number; cooldownMs: number; timeoutMs: number; maxStaleMs: number };
  /** userUrl is undefined when the issuer is not an http(s) URL and session.url was not given. */
  session: { userUrl: string | undefined; ttlMs: number; timeoutMs: number; apiKey: string | undefined };
}

const DEFAULTS = {
  algorithms: ['ES256'] as Algorithm[],
  clockTolerance: 5,
  cacheEntries: 10_000,
  jwksMaxAge: 600,
  jwksCooldown: 30,
  jwksTimeout: 5,
  // Stale keys serve through an auth-server outage for as long as a token issued just before it
  // can be valid (Latchkey's default LATCHKEY_JWT_EXP), and no longer: a removed key must not
  // verify forever because its removal could not be fetched.
  jwksMaxStale: 3600,
  sessionTtl: 5,
  sessionTimeout: 3,
};

const invalid = (message: string) => new VerifyError('invalid_options', `Invalid verifier options: ${message}`);

function seconds(value: unknown, name: string, fallback: number, { positive = false } = {}): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (positive && value === 0)) {
    throw invalid(`${name} must be a ${positive ? 'positive' : 'non-negative'} number of seconds.`);
  }
  return value;
}

function httpUrl(value: unknown, name: string): URL {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw invalid(`${name} is not a URL.`);
  }
  // http is allowed (an auth server on a private network is common); anything else is a mistake.
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw invalid(`${name} must be an http(s) URL.`);
  return url;
}

function optionalHttpUrl(value: string): URL | undefined {
  try {
    return httpUrl(value, 'issuer');
  } catch {
    return undefined;
  }
}

export function normalizeOptions(options: VerifierOptions): Settings {
  if (typeof options !== 'object' || options === null) throw invalid('expected an options object.');
  const { issuer, audience } = options;
  if (typeof issuer !== 'string' || issuer === '') throw invalid('issuer must be a non-empty string (the auth server URL + /auth/v1).');
  const audienceList = typeof audience === 'string' ? [audience] : audience;
  if (!Array.isArray(audienceList) || audienceList.length === 0 || !audienceList.every((a) => typeof a === 'string' && a !== '')) {
    throw invalid('audience must be a non-empty string or list of strings (Latchkey issues "authenticated").');
  }

  const algorithms = options.algorithms ?? DEFAULTS.algorithms;
  if (!Array.isArray(algorithms) || algorithms.length === 0) throw invalid('algorithms must be a non-empty list.');
  for (const alg of algorithms as unknown[]) {
    // Only asymmetric algorithms exist here: a verifier holds public keys, and accepting an HMAC
    // algorithm is how a public key becomes an HMAC secret (algorithm confusion, RFC 8725 §2.1).
    if (!isAlgorithm(alg))
      throw invalid(`algorithm ${JSON.stringify(alg)} is not supported; use some of ${SUPPORTED_ALGORITHMS.join(', ')}.`);
  }

  const { cache } = options;
  let cacheEntries: number;
  if (cache === undefined || cache === true) cacheEntries = DEFAULTS.cacheEntries;
  else if (cache === false) cacheEntries = 0;
  else if (typeof cache === 'object' && cache !== null) {
    cacheEntries = cache.maxEntries ?? DEFAULTS.cacheEntries;
    if (!Number.isSafeInteger(cacheEntries) || cacheEntries < 1) throw invalid('cache.maxEntries must be a positive integer.');
  } else throw invalid('cache must be true, false or { maxEntries }.');

  const now = options.now ?? Date.now;
  if (typeof now !== 'function') throw invalid('now must be a function returning milliseconds since the epoch.');

  if ((options.jwksUrl === undefined) === (options.keys === undefined)) throw invalid('give exactly one of jwksUrl and keys.');
  let keys: Settings['keys'];
  if (options.keys !== undefined) {
    if (!Array.isArray(options.keys) || options.keys.length === 0) throw invalid('keys must be a non-empty list of JWKs or KeyObjects.');
    const entries = options.keys.map((key, index) => {
      const entry = isJwkLike(key) ? importJwk(key) : importKeyObject(key);
      if (typeof entry === 'string') throw invalid(`keys[${index}] cannot verify access tokens: ${entry}.`);
      return entry;
    });
    keys = { kind: 'static', entries };
  } else {
    const jwks = options.jwks ?? {};
    const maxAge = seconds(jwks.maxAge, 'jwks.maxAge', DEFAULTS.jwksMaxAge, { positive: true });
    keys = {
      kind: 'remote',
      url: httpUrl(options.jwksUrl, 'jwksUrl').href,
      maxAgeMs: maxAge * 1000,
      // A cooldown longer than the max age would make the cache go stale before it may refetch.
      cooldownMs: Math.min(seconds(jwks.cooldown, 'jwks.cooldown', DEFAULTS.jwksCooldown), maxAge) * 1000,
      timeoutMs: seconds(jwks.timeout, 'jwks.timeout', DEFAULTS.jwksTimeout, { positive: true }) * 1000,
      maxStaleMs: seconds(jwks.maxStale, 'jwks.maxStale', DEFAULTS.jwksMaxStale) * 1000,
    };
  }

  const session = options.session ?? {};
  // session.url defaults to the issuer, which is the auth server URL unless the server was
  // configured with another `iss`; then the live-session check needs session.url (checked on use).
  const base = session.url !== undefined ? httpUrl(session.url, 'session.url') : optionalHttpUrl(issuer);
  if (session.apiKey !== undefined && typeof session.apiKey !== 'string') throw invalid('session.apiKey must be a string.');

  return {
    issuer,
    audiences: new Set(audienceList),
    algorithms: new Set(algorithms),
    clockTolerance: seconds(options.clockTolerance, 'clockTolerance', DEFAULTS.clockTolerance),
    cacheEntries,
    now,
    keys,
    session: {
      userUrl: base && `${base.href.replace(/\/+$/, '')}/user`,
      ttlMs: seconds(session.ttl, 'session.ttl', DEFAULTS.sessionTtl) * 1000,
      timeoutMs: seconds(session.timeout, 'session.timeout', DEFAULTS.sessionTimeout, { positive: true }) * 1000,
      apiKey: session.apiKey,
    },
  };
}

function isJwkLike(value: unknown): value is Jwk {
  return typeof value === 'object' && value !== null && typeof (value as Jwk).kty === 'string';
}

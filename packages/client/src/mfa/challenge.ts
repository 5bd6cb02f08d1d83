/**
 * `challenge`: asks the server for a challenge of a factor (`POST /factors/:id/challenge`),
 * which `verify` answers. A TOTP challenge is bound to the IP address that asked for it.
 */
import type { LatchkeyClient } from '../client.js';
import { usableSession } from '../flows/get-session.js';
import { fail, missingSession, ok } from '../flows/result.js';
import { withClient } from '../internals.js';
import type { Result } from '../types.js';
import { factorPath } from './factor-path.js';

export interface ChallengeParams {
  factorId: string;
}

export interface Challenge {
  /** The challenge id, for `verify({ challengeId })`. */
  id: string;
  type: 'totp' | 'webauthn' | 'phone';
  /** Seconds since the epoch (server clock). */
  expires_at: number;
  /**
   * WebAuthn factors: the options for the browser, as JSON (`create` for a factor's first
   * verification, which registers the authenticator; `request` afterwards). Pass
   * `credential_options.publicKey` through `PublicKeyCredential.parseCreationOptionsFromJSON` /
   * `parseRequestOptionsFromJSON` — or let `verifyWithWebAuthn` do the whole ceremony.
   */
  webauthn?: {
    type: 'create' | 'request';
    credential_options: { publicKey: Record<string, unknown> };
  };
}

const KEYS: (keyof Challenge)[] = ['id', 'type', 'expires_at'];

/**
 * Creates a challenge for one of the user's factors.
 *
 * @example
 * import * as mfa from '@latchkey/client/mfa';
 * const { data: challenge, error } = await mfa.challenge(auth, { factorId });
 * if (!error) await mfa.verify(auth, { factorId, challengeId: challenge.id, code });
 */
export function challenge(client: LatchkeyClient, params: ChallengeParams): Promise<Result<Challenge>> {
  return withClient(client, KEYS, async (ctx) => {
    try {
      const path = factorPath(params?.factorId, '/challenge');
      const { session, error } = await usableSession(ctx);
      if (!session) return fail(KEYS, error ?? missingSession());
      const body = await ctx.http<Challenge>('POST', path, { token: session.access_token, body: {} });
      if (typeof body?.id !== 'string') return fail(KEYS, undefined);
      return ok(body);
    } catch (thrown) {
      return fail(KEYS, thrown);
    }
  });
}

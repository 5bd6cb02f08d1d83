/**
 * `getAuthenticatorAssuranceLevel`: where the session stands, without a request (unless it is due
 * for refresh): its level now, the level the user can reach, and how it got here.
 */
import type { LatchkeyClient } from '../client.js';
import { usableSession } from '../flows/get-session.js';
import { fail, ok } from '../flows/result.js';
import { withClient } from '../internals.js';
import { readClaims } from '../lib/jwt-claims.js';
import type { Result } from '../types.js';
import type { AmrEntry, AuthenticatorAssuranceLevel, Factor } from './types.js';

export interface AssuranceLevel {
  /** The session's level: the access token's `aal` claim (`null` without a session). */
  currentLevel: AuthenticatorAssuranceLevel | null;
  /**
   * `aal2` when the user has a verified factor (from `session.user.factors`, which the server
   * sends with every sign-in, refresh and verification), else the current level. `currentLevel
   * aal1` with `nextLevel aal2`: ask for the second factor.
   */
  nextLevel: AuthenticatorAssuranceLevel | null;
  /** The access token's `amr` claim, the most recent method first. */
  currentAuthenticationMethods: AmrEntry[];
}

const KEYS: (keyof AssuranceLevel)[] = ['currentLevel', 'nextLevel', 'currentAuthenticationMethods'];

/**
 * The session's assurance level, the level its user can reach, and its authentication methods.
 * Read from the stored session (refreshed first when due); the claims are read, not verified —
 * your API verifies them (`@latchkey/verify`'s `requireAal`).
 *
 * @example
 * import * as mfa from '@latchkey/client/mfa';
 * const { data } = await mfa.getAuthenticatorAssuranceLevel(auth);
 * if (data.currentLevel === 'aal1' && data.nextLevel === 'aal2') router.push('/second-factor');
 */
export function getAuthenticatorAssuranceLevel(client: LatchkeyClient): Promise<Result<AssuranceLevel>> {
  return withClient(client, KEYS, async (ctx) => {
    const { session, error } = await usableSession(ctx);
    if (error) return fail(KEYS, error);
    if (!session) return ok({ currentLevel: null, nextLevel: null, currentAuthenticationMethods: [] });
    const claims = readClaims(session.access_token) ?? {};
    const currentLevel = claims.aal === 'aal1' || claims.aal === 'aal2' ? claims.aal : null;
    const factors = (Array.isArray(session.user.factors) ? session.user.factors : []) as Factor[];
    const nextLevel = factors.some((f) => f.status === 'verified') ? 'aal2' : currentLevel;
    const amr = Array.isArray(claims.amr) ? (claims.amr as AmrEntry[]) : [];
    return ok({ currentLevel, nextLevel, currentAuthenticationMethods: amr });
  });
}

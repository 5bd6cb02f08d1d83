/**
 * `unenroll`: removes a factor (`DELETE /factors/:id`). A verified factor can only be removed from
 * an `aal2` session (`insufficient_aal` otherwise); the sessions it raised go back to `aal1`.
 */
import type { LatchkeyClient } from '../client.js';
import { usableSession } from '../flows/get-session.js';
import { fail, missingSession, ok } from '../flows/result.js';
import { withClient } from '../internals.js';
import type { Result } from '../types.js';
import { factorPath } from './factor-path.js';
import type { Factor } from './types.js';

export interface UnenrollParams {
  factorId: string;
}

const KEYS: 'id'[] = ['id'];

/**
 * Removes one of the user's factors. When it was verified, the session is refreshed afterwards,
 * so its level (`aal1` again when no verified factor raised it) and `user.factors` are current
 * for `getAuthenticatorAssuranceLevel` (`TOKEN_REFRESHED`).
 *
 * @example
 * import * as mfa from '@latchkey/client/mfa';
 * const { error } = await mfa.unenroll(auth, { factorId });
 * if (error?.code === 'insufficient_aal') askForTheSecondFactorFirst();
 */
export function unenroll(client: LatchkeyClient, params: UnenrollParams): Promise<Result<{ id: string }>> {
  return withClient(client, KEYS, async (ctx) => {
    try {
      const path = factorPath(params?.factorId);
      const { session, error } = await usableSession(ctx);
      if (!session) return fail(KEYS, error ?? missingSession());
      await ctx.http('DELETE', path, { token: session.access_token });
      const factors = (session.user.factors ?? []) as Factor[];
      if (!factors.some((f) => f.id === params.factorId && f.status === 'unverified')) {
        // The server lowered the sessions this factor raised; tokens already issued keep their
        // claims until rotated. A failed refresh changes nothing about the removal.
        await ctx.refresher.refresh({ stale: session.access_token });
      }
      return ok({ id: params.factorId });
    } catch (thrown) {
      return fail(KEYS, thrown);
    }
  });
}

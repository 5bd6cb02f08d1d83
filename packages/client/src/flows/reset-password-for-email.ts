/**
 * `resetPasswordForEmail`: a recovery link and code by email (`POST /recover`). Following the
 * link (or `verifyOtp({ type: 'recovery', … })`) signs the user in and emits `PASSWORD_RECOVERY`;
 * the app then asks for a new password and calls `updateUser({ password })`.
 */
import type { LatchkeyClient } from '../client.js';
import { withClient } from '../internals.js';
import { withRedirect } from '../lib/redirect.js';
import type { Result } from '../types.js';
import { beginPkce } from './pkce-flow.js';
import { fail, invalid, ok } from './result.js';

export interface ResetPasswordOptions {
  /** Where the link leads (`redirect_to`): the page that asks for the new password. */
  redirectTo?: string;
}

/**
 * Emails a password-recovery link and code. The server answers the same for registered and
 * unknown addresses. With `flowType: 'pkce'` the verifier is kept marked as a recovery, so the
 * exchange emits `PASSWORD_RECOVERY`.
 *
 * @example
 * import { resetPasswordForEmail } from '@latchkey/client';
 * await resetPasswordForEmail(auth, email, { redirectTo: 'https://app.example/new-password' });
 * // on that page, after PASSWORD_RECOVERY:
 * await auth.updateUser({ password: newPassword });
 */
export function resetPasswordForEmail(client: LatchkeyClient, email: string, options: ResetPasswordOptions = {}): Promise<Result<{}>> {
  return withClient(client, [], async (ctx) => {
    if (typeof email !== 'string' || !email) return fail([], invalid('resetPasswordForEmail needs an email address.'));
    try {
      const pkce = await beginPkce(ctx, true);
      await ctx.http('POST', withRedirect('/recover', options?.redirectTo), { body: { email, ...pkce?.params } });
      await pkce?.save();
      return ok({});
    } catch (error) {
      return fail([], error);
    }
  });
}

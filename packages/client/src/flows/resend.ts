/** `resend`: the sign-up confirmation or the email-change confirmation again (`POST /resend`). */
import type { LatchkeyClient } from '../client.js';
import { withClient } from '../internals.js';
import { withRedirect } from '../lib/redirect.js';
import { beginPkce } from './pkce-flow.js';
import { fail, invalid, ok } from './result.js';
import type { EmailSentResult } from './sign-in-with-otp.js';

export interface ResendParams {
  /** `signup`: the confirmation of a new account; `email_change`: the confirmation of a new address. */
  type: 'signup' | 'email_change';
  /** The account's address (for `email_change`, the current one). */
  email: string;
  /** Where the link leads (`redirect_to`). */
  emailRedirectTo?: string;
}

/**
 * Sends a confirmation again. The server answers the same whether or not there is anything to
 * confirm (no enumeration); a magic link or a recovery is asked for again with `signInWithOtp` /
 * `resetPasswordForEmail`.
 *
 * @example
 * import { resend } from '@latchkey/client';
 * const { error } = await resend(auth, { type: 'signup', email });
 */
export function resend(client: LatchkeyClient, params: ResendParams): Promise<EmailSentResult> {
  const keys: ('user' | 'session')[] = ['user', 'session'];
  return withClient(client, keys, async (ctx) => {
    const { type, email, emailRedirectTo } = params ?? ({} as ResendParams);
    if ((type !== 'signup' && type !== 'email_change') || typeof email !== 'string' || !email) {
      return fail(keys, invalid('resend needs { type: "signup" | "email_change", email }.'));
    }
    try {
      const pkce = await beginPkce(ctx);
      await ctx.http('POST', withRedirect('/resend', emailRedirectTo), { body: { email, type, ...pkce?.params } });
      await pkce?.save();
      return ok({ user: null, session: null });
    } catch (error) {
      return fail(keys, error);
    }
  });
}

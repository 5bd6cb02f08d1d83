/**
 * `signInWithOtp`: a magic link and a one-time code by email (`POST /otp`). Nothing is signed in
 * yet: the user follows the link (handled by `detectSessionInUrl` or `exchangeCodeForSession`)
 * or types the code (`verifyOtp({ type: 'email', email, token })`).
 */
import type { LatchkeyClient } from '../client.js';
import { withClient } from '../internals.js';
import { withRedirect } from '../lib/redirect.js';
import type { Result } from '../types.js';
import { beginPkce } from './pkce-flow.js';
import { fail, invalid, ok } from './result.js';

export interface SignInWithOtpCredentials {
  email: string;
  /** Create the user if the address is unknown. Default true (as GoTrue and supabase-js). */
  shouldCreateUser?: boolean;
  /** `user_metadata` for a user created by this sign-in. */
  data?: Record<string, unknown>;
  /** Where the link leads: the server's site URL or an entry of its redirect allow list (`redirect_to`). */
  emailRedirectTo?: string;
}

/** What the email flows that only send a message answer (supabase-js's shape: nothing is signed in yet). */
export type EmailSentResult = Result<{ user: null; session: null }>;

const KEYS: ('user' | 'session')[] = ['user', 'session'];

/**
 * Emails a magic link and a one-time code (`POST /otp`). With `flowType: 'pkce'` the link comes
 * back as `?code=…` and only this browser (it keeps the code verifier) can exchange it. The server
 * answers the same whether or not the address is registered.
 *
 * @example
 * import { signInWithOtp } from '@latchkey/client';
 * const { error } = await signInWithOtp(auth, { email, emailRedirectTo: 'https://app.example/welcome' });
 * if (error?.code === 'over_email_send_rate_limit') showMessage('Wait a minute before asking again.');
 */
export function signInWithOtp(client: LatchkeyClient, credentials: SignInWithOtpCredentials): Promise<EmailSentResult> {
  return withClient(client, KEYS, async (ctx) => {
    if (typeof credentials?.email !== 'string' || !credentials.email) return fail(KEYS, invalid('signInWithOtp needs { email }.'));
    const { email, shouldCreateUser, data, emailRedirectTo } = credentials;
    try {
      const pkce = await beginPkce(ctx);
      await ctx.http('POST', withRedirect('/otp', emailRedirectTo), {
        body: { email, data: data ?? {}, create_user: shouldCreateUser ?? true, ...pkce?.params },
      });
      await pkce?.save();
      return ok({ user: null, session: null });
    } catch (error) {
      return fail(KEYS, error);
    }
  });
}

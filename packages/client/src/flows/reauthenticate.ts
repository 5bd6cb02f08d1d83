/**
 * `reauthenticate`: a one-time code (a nonce) by email to the signed-in user (`GET /reauthenticate`,
 * as GoTrue routes it and supabase-js calls it), for a server that requires it before a password
 * change: `updateUser({ password, nonce })`.
 */
import type { LatchkeyClient } from '../client.js';
import { withClient } from '../internals.js';
import { usableSession } from './get-session.js';
import { fail, missingSession, ok } from './result.js';
import type { EmailSentResult } from './sign-in-with-otp.js';

/**
 * Emails the signed-in user a nonce for a sensitive change. Needs a session (refreshed first if
 * due); `email_not_confirmed` when the address is not confirmed yet.
 *
 * @example
 * import { reauthenticate } from '@latchkey/client';
 * await reauthenticate(auth);
 * const nonce = await promptForCode();
 * const { error } = await auth.updateUser({ password: newPassword, nonce });
 */
export function reauthenticate(client: LatchkeyClient): Promise<EmailSentResult> {
  const keys: ('user' | 'session')[] = ['user', 'session'];
  return withClient(client, keys, async (ctx) => {
    const { session, error } = await usableSession(ctx);
    if (!session) return fail(keys, error ?? missingSession());
    try {
      await ctx.http('GET', '/reauthenticate', { token: session.access_token });
      return ok({ user: null, session: null });
    } catch (thrown) {
      return fail(keys, thrown);
    }
  });
}

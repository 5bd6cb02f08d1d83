/**
 * `verifyOtp`: a code typed by the user, or the `token_hash` of a link, for a session
 * (`POST /verify`). Emits `PASSWORD_RECOVERY` for a recovery, `SIGNED_IN` otherwise, as
 * supabase-js does.
 */
import type { LatchkeyClient } from '../client.js';
import { saveAndEmit } from '../context.js';
import { withClient } from '../internals.js';
import { hasSession, isUser, sessionFromResponse } from '../session/session.js';
import type { Result, Session, User } from '../types.js';
import { fail, invalid, ok } from './result.js';

/**
 * What a message was for: `email` (a sign-in code, from `signInWithOtp`), `recovery`, `invite`,
 * `email_change`, and `signup` / `magiclink` (GoTrue's older names for confirmation and sign-in).
 */
export type EmailOtpType = 'email' | 'recovery' | 'invite' | 'email_change' | 'signup' | 'magiclink';

export type VerifyOtpParams =
  /** The code the user typed, with the address it was sent to. */
  | { type: EmailOtpType; email: string; token: string }
  /** The `{{ .TokenHash }}` of a link (an email template that points at your app, not at the auth server). */
  | { type: EmailOtpType; token_hash: string };

export type VerifyOtpResult = Result<{ user: User | null; session: Session | null }>;

const TYPES = new Set(['email', 'recovery', 'invite', 'email_change', 'signup', 'magiclink']);
const KEYS: ('user' | 'session')[] = ['user', 'session'];

/**
 * Verifies a one-time code or a link's token hash and signs in: the session is stored and
 * `SIGNED_IN` (or, for `type: 'recovery'`, `PASSWORD_RECOVERY`) emitted. With secure email change,
 * the first of the two confirmations answers `{ user: null, session: null }`: the other address
 * still has to confirm.
 *
 * @example
 * import { verifyOtp } from '@latchkey/client';
 * const { data, error } = await verifyOtp(auth, { type: 'email', email, token: '123456' });
 * if (error?.code === 'otp_expired') showMessage('That code has expired or was mistyped.');
 */
export function verifyOtp(client: LatchkeyClient, params: VerifyOtpParams): Promise<VerifyOtpResult> {
  return withClient(client, KEYS, async (ctx) => {
    const type = params?.type;
    if (!TYPES.has(type)) return fail(KEYS, invalid(`verifyOtp needs a type: ${[...TYPES].join(', ')}.`));
    let body: Record<string, string>;
    if ('token_hash' in params && typeof params.token_hash === 'string' && params.token_hash) {
      // GoTrue refuses anything but the type beside a token hash.
      body = { type, token_hash: params.token_hash };
    } else if ('token' in params && typeof params.token === 'string' && typeof params.email === 'string' && params.token && params.email) {
      body = { type, email: params.email, token: params.token };
    } else {
      return fail(KEYS, invalid('verifyOtp needs { type, email, token } or { type, token_hash }.'));
    }
    await ctx.ready;
    try {
      const answer = await ctx.http<Record<string, unknown>>('POST', '/verify', { body });
      if (!hasSession(answer)) {
        // Secure email change, first confirmation: `{ msg, code }`, nothing to sign in with yet.
        return ok({ user: isUser(answer?.user) ? answer.user : null, session: null });
      }
      const session = sessionFromResponse(answer, ctx.clock.now());
      await saveAndEmit(ctx, session, type === 'recovery' ? 'PASSWORD_RECOVERY' : 'SIGNED_IN');
      return ok({ user: session.user, session });
    } catch (error) {
      return fail(KEYS, error);
    }
  });
}

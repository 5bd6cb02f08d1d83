/**
 * Sign-up with email and password (`POST /signup`). With `flowType: 'pkce'` the request carries a
 * code challenge, and the verifier is kept when the server answers without a session (it will
 * confirm by email, and the link comes back with `?code=`).
 */
import { saveAndEmit, type Context } from '../context.js';
import { maybePkce } from '../lib/lazy-pkce.js';
import { withRedirect } from '../lib/redirect.js';
import { hasSession, isUser, sessionFromResponse } from '../session/session.js';
import type { Result, Session, SignUpCredentials, User } from '../types.js';
import { fail, invalid, ok } from './result.js';

export type SignUpResult = Result<{ user: User | null; session: Session | null }>;

export async function signUp(ctx: Context, credentials: SignUpCredentials): Promise<SignUpResult> {
  const keys: ('user' | 'session')[] = ['user', 'session'];
  if (typeof credentials?.email !== 'string' || typeof credentials.password !== 'string') {
    return fail(keys, invalid('signUp needs { email, password } strings.'));
  }
  await ctx.ready;
  try {
    const { email, password, data } = credentials;
    const path = withRedirect('/signup', credentials.emailRedirectTo);
    const pkce = await maybePkce(ctx);
    const body = await ctx.http<Record<string, unknown>>('POST', path, { body: { email, password, data, ...pkce?.params } });
    if (!hasSession(body)) {
      // A server that confirms by email answers with the user only: signed up, not signed in.
      await pkce?.save();
      const user = isUser(body?.user) ? body.user : isUser(body) ? body : null;
      return ok({ user, session: null });
    }
    const session = sessionFromResponse(body, ctx.clock.now());
    await saveAndEmit(ctx, session, 'SIGNED_IN');
    return ok({ user: session.user, session });
  } catch (error) {
    return fail(keys, error);
  }
}

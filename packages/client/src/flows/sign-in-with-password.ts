/** Sign-in with email and password (`POST /token?grant_type=password`). */
import { saveAndEmit, type Context } from '../context.js';
import { sessionFromResponse } from '../session/session.js';
import type { PasswordCredentials, Result, Session, User } from '../types.js';
import { fail, invalid, ok } from './result.js';

export type SignInResult = Result<{ user: User; session: Session }>;

export async function signInWithPassword(ctx: Context, credentials: PasswordCredentials): Promise<SignInResult> {
  const keys: ('user' | 'session')[] = ['user', 'session'];
  if (typeof credentials?.email !== 'string' || typeof credentials.password !== 'string') {
    return fail(keys, invalid('signInWithPassword needs { email, password } strings.'));
  }
  await ctx.ready;
  try {
    const { email, password } = credentials;
    const body = await ctx.http('POST', '/token?grant_type=password', { body: { email, password } });
    const session = sessionFromResponse(body, ctx.clock.now());
    await saveAndEmit(ctx, session, 'SIGNED_IN');
    return ok({ user: session.user, session });
  } catch (error) {
    return fail(keys, error);
  }
}

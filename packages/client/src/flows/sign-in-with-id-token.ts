/**
 * `signInWithIdToken`: a session for an OpenID Connect ID token the app already holds (native
 * Sign in with Apple or Google, One Tap), verified by the auth server against the provider's keys
 * (`POST /token?grant_type=id_token`).
 */
import type { LatchkeyClient } from '../client.js';
import { saveAndEmit } from '../context.js';
import { withClient } from '../internals.js';
import { sessionFromResponse } from '../session/session.js';
import type { Result, Session, User } from '../types.js';
import { fail, invalid, ok } from './result.js';

export interface SignInWithIdTokenCredentials {
  /** The provider's name as the server configures it (`apple`, `google`, or a custom OIDC one). */
  provider: string;
  /** The ID token (a JWT) from the provider's SDK. */
  token: string;
  /**
   * The raw nonce, when the token was requested with one: the server checks that the token's
   * `nonce` claim is its SHA-256 (hex), as GoTrue does.
   */
  nonce?: string;
  /** The provider's access token, when the ID token carries an `at_hash` to check it against. */
  access_token?: string;
}

const KEYS: ('user' | 'session')[] = ['user', 'session'];

/**
 * Signs in with a provider's ID token: the session is stored and `SIGNED_IN` emitted. A new user
 * is created on first sign-in, as with `signInWithOAuth`.
 *
 * @example
 * import { signInWithIdToken } from '@latchkey/client';
 * const { data, error } = await signInWithIdToken(auth, { provider: 'apple', token: credential.identityToken, nonce: rawNonce });
 */
export function signInWithIdToken(
  client: LatchkeyClient,
  credentials: SignInWithIdTokenCredentials,
): Promise<Result<{ user: User; session: Session }>> {
  return withClient(client, KEYS, async (ctx) => {
    const { provider, token, nonce, access_token } = credentials ?? ({} as SignInWithIdTokenCredentials);
    if (typeof provider !== 'string' || !provider || typeof token !== 'string' || !token) {
      return fail(KEYS, invalid('signInWithIdToken needs { provider, token }.'));
    }
    await ctx.ready;
    try {
      const body = await ctx.http('POST', '/token?grant_type=id_token', { body: { provider, id_token: token, access_token, nonce } });
      const session = sessionFromResponse(body, ctx.clock.now());
      await saveAndEmit(ctx, session, 'SIGNED_IN');
      return ok({ user: session.user, session });
    } catch (error) {
      return fail(KEYS, error);
    }
  });
}

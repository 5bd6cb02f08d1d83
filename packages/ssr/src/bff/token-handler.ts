/**
 * `createTokenHandler`: the backend-for-frontend. The browser holds an opaque session cookie; the
 * tokens stay in a server-side store; refreshes happen under a per-session lock. A thin facade
 * over the modules: options, cookie, resolver (locked refresh), routes.
 */
import { MAX_AGE_LIMIT } from '../cookies/attributes.js';
import { SsrError } from '../errors.js';
import { getAccessToken, type AccessTokenResult } from './access-token.js';
import type { HandlerContext } from './context.js';
import { resolveOptions, type TokenHandlerOptions } from './options.js';
import type { RequestLike } from './request.js';
import { createResolver } from './resolve.js';
import { json } from './respond.js';
import { callback } from './routes/callback.js';
import { challengeFactor } from './routes/mfa/challenge.js';
import { enrollFactor } from './routes/mfa/enroll.js';
import { listFactors } from './routes/mfa/factors.js';
import { unenrollFactor } from './routes/mfa/unenroll.js';
import { verifyFactor } from './routes/mfa/verify.js';
import { deletePasskey, listPasskeys, passkeyOptions, passkeyRegister, passkeyRegisterOptions, passkeySignIn } from './routes/passkeys.js';
import { password } from './routes/password.js';
import { startProvider } from './routes/provider.js';
import { sendLink } from './routes/send-link.js';
import { session } from './routes/session.js';
import { signIn } from './routes/sign-in.js';
import { signOut } from './routes/sign-out.js';
import { verify } from './routes/verify.js';
import { resolveSessionCookie } from './session-cookie.js';
import { verifierCookie } from './verifier-cookie.js';

export interface TokenHandler {
  /**
   * Routes a request to one of `paths` (below); resolves to null when the path is none of them
   * (pass the request on).
   *
   * @example
   * const response = await bff.handle(request);
   * if (response) return response;
   */
  handle(request: Request): Promise<Response | null>;
  /**
   * The paths `handle` answers: `<basePath>/sign-in`, `/sign-out`, `/session`, the email flows'
   * `/otp`, `/recover`, `/verify`, `/callback`, `/password`, the providers' `/authorize`, passkeys' `/passkey/options`, `/passkey/sign-in`,
   * `/passkey/register/options`, `/passkey/register`, `/passkeys`, `/passkey/delete`, and the second factor's
   * `/mfa/enroll`, `/mfa/challenge`, `/mfa/verify`, `/mfa/factors`, `/mfa/unenroll`.
   */
  readonly paths: readonly string[];
  /**
   * `POST` `{ email, password }` (JSON): signs in, stores the session server-side, sets the cookie.
   * Answers `200 { user, expires_at }`, or the auth server's error (`400 invalid_credentials`, …).
   *
   * @example
   * export const POST = (request: Request) => bff.signIn(request); // app/auth/sign-in/route.ts
   */
  signIn(request: Request): Promise<Response>;
  /**
   * `POST`: revokes the session at the auth server, deletes its record, clears the cookie (`204`).
   *
   * @example
   * export const POST = (request: Request) => bff.signOut(request);
   */
  signOut(request: Request): Promise<Response>;
  /**
   * `GET`: `200 { user, expires_at }` for a live session (refreshed first if due), else `401`.
   *
   * @example
   * export const GET = (request: Request) => bff.session(request);
   */
  session(request: Request): Promise<Response>;
  /**
   * `POST` `{ email, create_user?, data?, next? }` (JSON): the auth server emails a magic link and
   * a code. The link is PKCE-bound to this browser (its verifier in an HttpOnly cookie) and comes
   * back to `<basePath>/callback`, then to `next`. Answers `200 {}` whether or not the address is
   * registered (as the auth server does).
   *
   * @example
   * export const POST = (request: Request) => bff.sendMagicLink(request); // app/auth/otp/route.ts
   */
  sendMagicLink(request: Request): Promise<Response>;
  /**
   * `POST` `{ email, next? }` (JSON): the auth server emails a password-recovery link and code;
   * the link signs the user in and lands on `redirects.recovery`, where `password` sets the new one.
   *
   * @example
   * export const POST = (request: Request) => bff.sendRecovery(request); // app/auth/recover/route.ts
   */
  sendRecovery(request: Request): Promise<Response>;
  /**
   * `POST` `{ type, email, token }` or `{ type, token_hash }` (JSON): signs in with the code from
   * an email, like `signIn`: `200 { user, expires_at }` and the session cookie.
   *
   * @example
   * export const POST = (request: Request) => bff.verify(request); // app/auth/verify/route.ts
   */
  verify(request: Request): Promise<Response>;
  /**
   * `GET ?code=…`: where the links of `sendMagicLink` / `sendRecovery` come back. Exchanges the
   * code with this browser's verifier cookie, sets the session cookie, and answers a 303 to the
   * link's `next`, `redirects.signedIn` or `redirects.recovery` (`redirects.failed` with
   * `error_code` on failure).
   *
   * @example
   * export const GET = (request: Request) => bff.callback(request); // app/auth/callback/route.ts
   */
  callback(request: Request): Promise<Response>;
  /**
   * `GET ?provider=…&next=/path&scopes=…`: starts a sign-in with an identity provider (a plain
   * link: "Continue with GitHub"). The browser goes (303) to the auth server and the provider,
   * and comes back to `callback`, PKCE-bound to this browser by the verifier cookie; failures land
   * on `redirects.failed` with `error_code`.
   *
   * @example
   * export const GET = (request: Request) => bff.signInWithProvider(request); // app/auth/authorize/route.ts
   * // <a href="/auth/authorize?provider=github&next=/notes">Continue with GitHub</a>
   */
  signInWithProvider(request: Request): Promise<Response>;
  /**
   * `POST` `{ password, nonce? }` (JSON): sets the signed-in user's password (after a recovery
   * link, or a change with a reauthentication nonce): `200 { user }`.
   *
   * @example
   * export const POST = (request: Request) => bff.setPassword(request); // app/auth/password/route.ts
   */
  setPassword(request: Request): Promise<Response>;
  /**
   * `POST` `{ friendly_name?, issuer? }` (JSON): enrols a TOTP factor for the signed-in user.
   * Answers `200 { id, type, friendly_name, totp: { qr_code, secret, uri } }` (`qr_code` a
   * `data:image/svg+xml` URI for an `<img>`), once; the factor is unverified until `verifyFactor`.
   *
   * @example
   * export const POST = (request: Request) => bff.enrollFactor(request); // app/auth/mfa/enroll/route.ts
   */
  enrollFactor(request: Request): Promise<Response>;
  /**
   * `POST` `{ factor_id }` (JSON): a challenge of one of the user's factors, `200 { id, type, expires_at }`.
   *
   * @example
   * export const POST = (request: Request) => bff.challengeFactor(request); // app/auth/mfa/challenge/route.ts
   */
  challengeFactor(request: Request): Promise<Response>;
  /**
   * `POST` `{ factor_id, challenge_id?, code }` (JSON): verifies a TOTP code (without
   * `challenge_id`, challenges first). The session becomes `aal2`; the verification rotates its
   * refresh token, so it runs under the session lock and the raised session replaces the stored
   * record before the lock is released. `200 { user, expires_at, aal, amr }`, or the auth server's
   * refusal (`422 mfa_verification_failed`, …).
   *
   * @example
   * export const POST = (request: Request) => bff.verifyFactor(request); // app/auth/mfa/verify/route.ts
   */
  verifyFactor(request: Request): Promise<Response>;
  /**
   * `GET`: `200 { factors, aal, next_level, amr }`: the user's factors (asked of the auth server)
   * and the session's level; `aal1` with `next_level: 'aal2'` means: ask for the code.
   *
   * @example
   * export const GET = (request: Request) => bff.listFactors(request); // app/auth/mfa/factors/route.ts
   */
  listFactors(request: Request): Promise<Response>;
  /**
   * `POST` `{ factor_id }` (JSON): removes a factor (a verified one only from an `aal2` session),
   * under the session lock (a refresh follows): `200 { id, aal, amr }`.
   *
   * @example
   * export const POST = (request: Request) => bff.unenrollFactor(request); // app/auth/mfa/unenroll/route.ts
   */
  unenrollFactor(request: Request): Promise<Response>;
  /**
   * `POST`: the options of a passkey sign-in, `200 { challenge_id, options }`: pass `options` to
   * `PublicKeyCredential.parseRequestOptionsFromJSON` and `navigator.credentials.get`.
   *
   * @example
   * export const POST = (request: Request) => bff.passkeyOptions(request); // app/auth/passkey/options/route.ts
   */
  passkeyOptions(request: Request): Promise<Response>;
  /**
   * `POST` `{ challenge_id, credential }` (the credential's `toJSON()`): signs in with the passkey,
   * like `signIn`: `200 { user, expires_at }` and the session cookie; the auth server's refusal
   * (`webauthn_verification_failed`, …) otherwise.
   *
   * @example
   * export const POST = (request: Request) => bff.passkeySignIn(request); // app/auth/passkey/sign-in/route.ts
   */
  passkeySignIn(request: Request): Promise<Response>;
  /**
   * `POST` (signed in): the options to make a passkey, `200 { challenge_id, options }`, for
   * `parseCreationOptionsFromJSON` and `navigator.credentials.create`.
   *
   * @example
   * export const POST = (request: Request) => bff.passkeyRegisterOptions(request);
   */
  passkeyRegisterOptions(request: Request): Promise<Response>;
  /**
   * `POST` `{ challenge_id, credential }` (signed in): stores the new passkey, `200 { passkey }`.
   *
   * @example
   * export const POST = (request: Request) => bff.passkeyRegister(request);
   */
  passkeyRegister(request: Request): Promise<Response>;
  /**
   * `GET` (signed in): `200 { passkeys }`, the user's passkeys (id, friendly name, dates).
   *
   * @example
   * export const GET = (request: Request) => bff.listPasskeys(request);
   */
  listPasskeys(request: Request): Promise<Response>;
  /**
   * `POST` `{ passkey_id }` (signed in): deletes one of the user's passkeys, `200 {}`.
   *
   * @example
   * export const POST = (request: Request) => bff.deletePasskey(request);
   */
  deletePasskey(request: Request): Promise<Response>;
  /**
   * The access token of the request's session, for calling APIs on the user's behalf: refreshed
   * first under the session lock when due (one refresh per session across every process). Checks
   * CSRF for state-changing methods. Never throws: `{ data, error }`, and `error.status` is the
   * status to answer with (401 no or ended session, 403 CSRF, 503 try again).
   *
   * @example
   * const { data, error } = await bff.getAccessToken(request);
   * if (error) return new Response(null, { status: error.status });
   * return fetch(`https://api.example.com${path}`, { headers: { authorization: `Bearer ${data.accessToken}` } });
   */
  getAccessToken(request: RequestLike): Promise<AccessTokenResult>;
  /**
   * A `Set-Cookie` value that deletes the session cookie (for your own 401 responses).
   *
   * @example
   * res.setHeader('set-cookie', bff.clearCookie());
   */
  clearCookie(): string;
}

/**
 * Creates the token handler. The store and lock must be shared by every process of the app
 * (Postgres or Redis); `memoryStore()` / `memoryLock()` only for one process.
 *
 * @example
 * import pg from 'pg';
 * import { createTokenHandler, postgresLock, postgresStore } from '@latchkey/ssr/bff';
 * const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL });
 * const bff = createTokenHandler({
 *   authUrl: 'https://auth.example.com/auth/v1',
 *   store: postgresStore(pool),
 *   lock: postgresLock(pool),
 *   origins: ['https://app.example.com'],
 * });
 */
export function createTokenHandler(options: TokenHandlerOptions): TokenHandler {
  const resolved = resolveOptions(options);
  if (resolved.ttlSeconds > MAX_AGE_LIMIT) {
    throw new SsrError('invalid_argument', 'createTokenHandler: `sessionTtl` can be at most 400 days, the longest browsers keep a cookie.');
  }
  const deps = {
    authUrl: resolved.authUrl,
    apiKey: resolved.apiKey,
    fetch: resolved.fetch,
    clock: resolved.clock,
    marginMs: resolved.marginMs,
    store: resolved.store,
    lock: resolved.lock,
  };
  const cookie = resolveSessionCookie(options.cookie, resolved.ttlSeconds);
  const ctx: HandlerContext = {
    ...deps,
    cookie,
    origins: resolved.origins,
    ttlMs: resolved.ttlSeconds * 1000,
    resolver: createResolver(deps),
    verifier: verifierCookie(cookie),
    basePath: resolved.basePath,
    callbackUrl: resolved.callbackUrl,
    redirects: resolved.redirects,
  };
  const sendMagicLink = (request: Request) => sendLink(ctx, request, 'otp');
  const sendRecovery = (request: Request) => sendLink(ctx, request, 'recover');
  const routes: Record<string, [method: string, run: (request: Request) => Promise<Response>]> = {
    [`${resolved.basePath}/sign-in`]: ['POST', (request) => signIn(ctx, request)],
    [`${resolved.basePath}/sign-out`]: ['POST', (request) => signOut(ctx, request)],
    [`${resolved.basePath}/session`]: ['GET', (request) => session(ctx, request)],
    [`${resolved.basePath}/otp`]: ['POST', sendMagicLink],
    [`${resolved.basePath}/recover`]: ['POST', sendRecovery],
    [`${resolved.basePath}/verify`]: ['POST', (request) => verify(ctx, request)],
    [`${resolved.basePath}/callback`]: ['GET', (request) => callback(ctx, request)],
    [`${resolved.basePath}/password`]: ['POST', (request) => password(ctx, request)],
    [`${resolved.basePath}/authorize`]: ['GET', (request) => startProvider(ctx, request)],
    [`${resolved.basePath}/passkey/options`]: ['POST', (request) => passkeyOptions(ctx, request)],
    [`${resolved.basePath}/passkey/sign-in`]: ['POST', (request) => passkeySignIn(ctx, request)],
    [`${resolved.basePath}/passkey/register/options`]: ['POST', (request) => passkeyRegisterOptions(ctx, request)],
    [`${resolved.basePath}/passkey/register`]: ['POST', (request) => passkeyRegister(ctx, request)],
    [`${resolved.basePath}/passkeys`]: ['GET', (request) => listPasskeys(ctx, request)],
    [`${resolved.basePath}/passkey/delete`]: ['POST', (request) => deletePasskey(ctx, request)],
    [`${resolved.basePath}/mfa/enroll`]: ['POST', (request) => enrollFactor(ctx, request)],
    [`${resolved.basePath}/mfa/challenge`]: ['POST', (request) => challengeFactor(ctx, request)],
    [`${resolved.basePath}/mfa/verify`]: ['POST', (request) => verifyFactor(ctx, request)],
    [`${resolved.basePath}/mfa/factors`]: ['GET', (request) => listFactors(ctx, request)],
    [`${resolved.basePath}/mfa/unenroll`]: ['POST', (request) => unenrollFactor(ctx, request)],
  };
  return {
    async handle(request) {
      const route = routes[new URL(request.url).pathname];
      if (!route) return null;
      const [method, run] = route;
      if (request.method !== method) {
        const response = json(405, { code: 'method_not_allowed', message: `Use ${method}.` });
        response.headers.set('allow', method);
        return response;
      }
      return run(request);
    },
    paths: Object.keys(routes),
    signIn: (request) => signIn(ctx, request),
    signOut: (request) => signOut(ctx, request),
    session: (request) => session(ctx, request),
    sendMagicLink,
    sendRecovery,
    verify: (request) => verify(ctx, request),
    callback: (request) => callback(ctx, request),
    setPassword: (request) => password(ctx, request),
    signInWithProvider: (request) => startProvider(ctx, request),
    passkeyOptions: (request) => passkeyOptions(ctx, request),
    passkeySignIn: (request) => passkeySignIn(ctx, request),
    passkeyRegisterOptions: (request) => passkeyRegisterOptions(ctx, request),
    passkeyRegister: (request) => passkeyRegister(ctx, request),
    listPasskeys: (request) => listPasskeys(ctx, request),
    deletePasskey: (request) => deletePasskey(ctx, request),
    enrollFactor: (request) => enrollFactor(ctx, request),
    challengeFactor: (request) => challengeFactor(ctx, request),
    verifyFactor: (request) => verifyFactor(ctx, request),
    listFactors: (request) => listFactors(ctx, request),
    unenrollFactor: (request) => unenrollFactor(ctx, request),
    getAccessToken: (request) => getAccessToken(ctx, request),
    clearCookie: () => cookie.clear(),
  };
}

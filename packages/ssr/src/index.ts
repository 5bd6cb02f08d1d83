/**
 * `@latchkey/ssr`: the session of a server-rendered app in cookies, refreshed safely on the
 * server. The backend-for-frontend token handler is at `@latchkey/ssr/bff`.
 *
 * @example
 * import { createServerClient, webCookies } from '@latchkey/ssr';
 * const cookies = webCookies(request);
 * const auth = createServerClient({ url: 'https://auth.example.com/auth/v1', cookies });
 */
export {
  createServerClient,
  DEFAULT_CHUNK_SIZE,
  DEFAULT_COOKIE_NAME,
  VERIFIER_MAX_AGE,
  type CookieOptions,
  type ServerClient,
  type ServerClientOptions,
} from './server-client.js';
export type { CookieAttributes, CookieMethods, CookieToSet, RequestCookie } from './cookies/types.js';
export { parseCookieHeader } from './cookies/parse.js';
export { serializeCookie } from './cookies/serialize.js';
export { webCookies, type WebCookies } from './glue/web.js';
export { nodeCookies, type NodeCookiesOptions } from './glue/node.js';
export { authCallback, type AuthCallbackOptions } from './auth-callback.js';
export { nodeAuthCallback } from './glue/node-callback.js';
export { ERROR_CODES, isSsrError, SsrError, SSR_ERROR_CODES, type SsrErrorCode } from './errors.js';

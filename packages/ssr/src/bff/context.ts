/** The token handler's modules, wired once by `createTokenHandler` and shared by its operations. */
import type { SessionCookie } from './session-cookie.js';
import type { Resolver, ResolverDeps } from './resolve.js';
import type { VerifierCookie } from './verifier-cookie.js';

/** Where the callback route sends the browser (paths or absolute URLs). */
export interface Redirects {
  signedIn: string;
  recovery: string;
  failed: string;
}

export interface HandlerContext extends ResolverDeps {
  cookie: SessionCookie;
  /** Origins allowed to make state-changing requests; undefined: the request's own origin. */
  origins: ReadonlySet<string> | undefined;
  /** Lifetime of a BFF session from sign-in, ms. */
  ttlMs: number;
  resolver: Resolver;
  /** The PKCE verifier cookie of the email flows. */
  verifier: VerifierCookie;
  /** Where the routes are mounted (`/auth`). */
  basePath: string;
  /** The callback route's absolute URL, when configured (else derived from each request). */
  callbackUrl: string | undefined;
  redirects: Redirects;
}

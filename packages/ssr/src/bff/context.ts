/** The token handler's modules, wired once by `createTokenHandler` and shared by its operations. */
import type { SessionCookie } from './session-cookie.js';
import type { Resolver, ResolverDeps } from './resolve.js';

export interface HandlerContext extends ResolverDeps {
  cookie: SessionCookie;
  /** Origins allowed to make state-changing requests; undefined: the request's own origin. */
  origins: ReadonlySet<string> | undefined;
  /** Lifetime of a BFF session from sign-in, ms. */
  ttlMs: number;
  resolver: Resolver;
}

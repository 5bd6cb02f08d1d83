/** Matches a method and path to a declared route; paths are served at `/` and under `/auth/v1`. */
import type { Route } from './route.js';

export const PATH_PREFIX = '/auth/v1';

export type Match = { route: Route<any, any>; params: Record<string, string> } | { route: undefined; methodMismatch: boolean };

interface Compiled {
  route: Route<any, any>;
  segments: string[];
}

export function createRouter(routes: readonly Route<any, any>[]): (method: string, path: string) => Match {
  const compiled: Compiled[] = routes.map((route) => ({ route, segments: route.path.split('/').filter(Boolean) }));
  return (method, rawPath) => {
    let path = rawPath;
    if (path === PATH_PREFIX || path.startsWith(`${PATH_PREFIX}/`)) path = path.slice(PATH_PREFIX.length);
    const parts = path.split('/').filter(Boolean);
    let methodMismatch = false;
    for (const { route, segments } of compiled) {
      if (segments.length !== parts.length) continue;
      const params: Record<string, string> = {};
      let ok = true;
      for (let i = 0; i < segments.length && ok; i++) {
        const segment = segments[i] as string;
        const part = parts[i] as string;
        if (segment.startsWith(':')) {
          try {
            params[segment.slice(1)] = decodeURIComponent(part);
          } catch {
            ok = false;
          }
        } else ok = segment === part;
      }
      if (!ok) continue;
      // HEAD is GET without the body (RFC 9110 §9.3.2); load balancers probe /health with it.
      if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { route, params };
      methodMismatch = true;
    }
    return { route: undefined, methodMismatch };
  };
}

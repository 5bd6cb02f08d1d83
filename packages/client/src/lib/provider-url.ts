/**
 * The query of a provider flow's start (`GET /authorize`, `GET /user/identities/authorize`), in
 * the order and spelling supabase-js sends it, and the browser navigation that follows.
 */
import type { PkceParams } from './pkce.js';

export interface ProviderQuery {
  provider: string;
  redirectTo?: string;
  /** Space-separated scopes for the provider, beyond the server's defaults. */
  scopes?: string;
  /** Extra parameters the server passes on to the provider (e.g. `{ prompt: 'consent' }`). */
  queryParams?: Record<string, string>;
  /** Sent as `skip_http_redirect=true`: the server answers `{ url }` instead of a 302. */
  skipHttpRedirect?: boolean;
}

/** `provider=…&redirect_to=…&scopes=…&code_challenge=…&code_challenge_method=…&<queryParams>&skip_http_redirect=true`. */
export function providerQuery(query: ProviderQuery, pkce: PkceParams | undefined): string {
  const params = new URLSearchParams({ provider: query.provider });
  if (query.redirectTo) params.set('redirect_to', query.redirectTo);
  if (query.scopes) params.set('scopes', query.scopes);
  if (pkce) {
    params.set('code_challenge', pkce.code_challenge);
    params.set('code_challenge_method', pkce.code_challenge_method);
  }
  for (const [key, value] of Object.entries(query.queryParams ?? {})) params.append(key, value);
  if (query.skipHttpRedirect) params.set('skip_http_redirect', 'true');
  return params.toString();
}

/** Sends the browser to `url` (`location.assign`); false where there is no window (Node, React Native). */
export function navigate(url: string): boolean {
  const location = (globalThis as { window?: { location?: { assign?: (url: string) => void } } }).window?.location;
  if (typeof location?.assign !== 'function') return false;
  location.assign(url);
  return true;
}

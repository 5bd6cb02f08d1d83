/**
 * The Cookie header of the request being handled, for the few routes that read a cookie (the
 * provider flows' browser binding). Route handlers see a `RequestInfo` without headers; rather
 * than widen it, server.ts runs each request inside this store. (A `cookie` field on RequestInfo,
 * set in http/handler.ts, would replace this.)
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const store = new AsyncLocalStorage<string | undefined>();

export function withRequestCookies<T>(cookieHeader: string | undefined, run: () => T): T {
  return store.run(cookieHeader, run);
}

export function requestCookies(): string | undefined {
  return store.getStore();
}

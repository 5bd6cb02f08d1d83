/**
 * The request's cookies as a key-value store for `@latchkey/client`.
 *
 * Reads see the request's cookies overlaid with what this server client wrote since; writes are
 * recorded, not sent. `takeChanges()` turns the recorded writes into the cookies to set on the
 * response (the caller hands them to `setAll` after releasing the lock: `setAll` is your code).
 *
 * The client's `chunkedStorage` sits on top and splits the session over `name`, `name.0`,
 * `name.1`, … (the same layout as the browser's `cookieStorage`, so both read each other's
 * cookies). This layer adds what a browser-side store cannot know: every chunk cookie the request
 * carried, so stale chunks beyond the current count are deleted even when no marker names them,
 * and a session that cannot be reassembled or read is deleted rather than replayed forever.
 */
import type { StorageAdapter } from '@latchkey/client';
import type { CookieAttributes, CookieMethods, CookieToSet } from './types.js';

/** `chunkedStorage`'s marker in the base cookie: `__latchkey_chunks__:<count>` (a wire format: browsers hold it). */
const MARKER = '__latchkey_chunks__:';

export interface CookieJar {
  /** The raw store for `chunkedStorage`: one cookie per key. */
  storage: StorageAdapter;
  /**
   * The cookies to set on the response for everything written since the last call (stale chunks
   * and unreadable sessions swept first), and marks them as handed over.
   */
  takeChanges(): Promise<CookieToSet[]>;
}

export interface JarOptions {
  methods: CookieMethods;
  /** The base cookie name (the client's storage key). */
  name: string;
  attributes: CookieAttributes;
  /** The attributes of cookie `key`, when some differ from `attributes` (the PKCE verifier's). */
  attributesFor?(key: string): CookieAttributes;
  /** True when a reassembled value holds a session the client can use. */
  isReadable(value: string): boolean;
}

function chunkCount(value: string | null | undefined): number {
  if (!value?.startsWith(MARKER)) return 0;
  const count = Number(value.slice(MARKER.length));
  return Number.isSafeInteger(count) && count > 0 && count < 1000 ? count : 0;
}

export function createCookieJar(options: JarOptions): CookieJar {
  const { methods, name, attributes } = options;
  let original: Map<string, string> | undefined;
  let loading: Promise<Map<string, string>> | undefined;
  /** Writes since the request arrived: a value, or null for a deletion. */
  const overlay = new Map<string, string | null>();
  /** What each cookie is on the response so far (after the last takeChanges). */
  const sent = new Map<string, string | null>();

  function load(): Promise<Map<string, string>> {
    loading ??= Promise.resolve(methods.getAll()).then((cookies) => {
      original = new Map();
      for (const cookie of cookies ?? []) if (!original.has(cookie.name)) original.set(cookie.name, cookie.value);
      return original;
    });
    return loading;
  }

  function current(key: string): string | null {
    return overlay.has(key) ? (overlay.get(key) as string | null) : (original?.get(key) ?? null);
  }

  /** `name.<n>` for every chunk cookie known (request or written), with its index. */
  function chunkNames(): [string, number][] {
    const found = new Map<string, number>();
    const prefix = `${name}.`;
    for (const key of [...(original?.keys() ?? []), ...overlay.keys()]) {
      if (!key.startsWith(prefix)) continue;
      const index = key.slice(prefix.length);
      if (/^(0|[1-9]\d{0,2})$/.test(index)) found.set(key, Number(index));
    }
    return [...found];
  }

  function reassembled(): string | null {
    const base = current(name);
    const count = chunkCount(base);
    if (!count) return base;
    let value = '';
    for (let i = 0; i < count; i++) {
      const chunk = current(`${name}.${i}`);
      if (chunk === null) return null;
      value += chunk;
    }
    return value;
  }

  function sweep(): void {
    const base = current(name);
    if (base !== null) {
      const value = reassembled();
      // A session that cannot be read (a chunk lost to the browser's cookie limit, a cookie
      // written by something else) would be sent back on every request and never work: delete it.
      if (value === null || !options.isReadable(value)) overlay.set(name, null);
    }
    const count = chunkCount(current(name));
    // Chunks beyond the current count (the session shrank, or a chunk outlived its marker) are
    // stale: deleted, so the request's cookies never mix two sessions.
    for (const [key, index] of chunkNames()) if (index >= count && current(key) !== null) overlay.set(key, null);
  }

  return {
    storage: {
      async getItem(key) {
        await load();
        return current(key);
      },
      async setItem(key, value) {
        await load();
        overlay.set(key, value);
      },
      async removeItem(key) {
        await load();
        overlay.set(key, null);
      },
    },
    async takeChanges() {
      await load();
      sweep();
      const changes: CookieToSet[] = [];
      for (const [key, value] of overlay) {
        const before = sent.has(key) ? sent.get(key) : (original?.get(key) ?? null);
        if (value === before) continue;
        sent.set(key, value);
        const own = options.attributesFor?.(key) ?? attributes;
        changes.push(value === null ? { name: key, value: '', options: { ...own, maxAge: 0 } } : { name: key, value, options: { ...own } });
      }
      return changes;
    },
  };
}

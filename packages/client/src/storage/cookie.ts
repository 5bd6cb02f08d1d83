/**
 * `document.cookie` storage, chunked under the per-cookie size limit, for apps whose server
 * renderer reads the session from cookies. These cookies are readable by page scripts (a page
 * cannot set HttpOnly cookies); when that is not acceptable, use `@latchkey/ssr`'s server-side
 * token handler instead.
 */
import { chunkedStorage } from './chunks.js';
import type { StorageAdapter } from './types.js';

export interface CookieStorageOptions {
  path?: string;
  domain?: string;
  /** Default `Lax`: sent on top-level navigations, not on cross-site subrequests (CSRF). */
  sameSite?: 'Strict' | 'Lax' | 'None';
  /** Default: true on https pages. */
  secure?: boolean;
  /** Seconds; default 400 days, the most browsers keep (RFC 6265bis §5.5). */
  maxAge?: number;
  /**
   * Largest encoded value per cookie. Default 3180: browsers allow 4096 bytes for name, value and
   * attributes together (RFC 6265 §6.1), and this leaves room for the rest.
   */
  chunkSize?: number;
  /** Where cookies live; default `globalThis.document` (tests pass a stand-in). */
  document?: { cookie: string };
}

function readCookie(doc: { cookie: string }, name: string): string | null {
  for (const part of doc.cookie.split(';')) {
    const index = part.indexOf('=');
    if (index > 0 && part.slice(0, index).trim() === name) {
      try {
        return decodeURIComponent(part.slice(index + 1).trim());
      } catch {
        return null;
      }
    }
  }
  return null;
}

/**
 * Stores the session in cookies, split over `key.0`, `key.1`, … when it exceeds `chunkSize`.
 *
 * @example
 * const auth = createClient({ url, storage: cookieStorage({ sameSite: 'Lax' }) });
 */
export function cookieStorage(options: CookieStorageOptions = {}): StorageAdapter {
  const doc = () => options.document ?? (globalThis.document as { cookie: string });
  const attributes = (maxAge: number) => {
    const secure = options.secure ?? globalThis.location?.protocol === 'https:';
    return [
      `Path=${options.path ?? '/'}`,
      options.domain ? `Domain=${options.domain}` : '',
      `Max-Age=${maxAge}`,
      `SameSite=${options.sameSite ?? 'Lax'}`,
      secure || options.sameSite === 'None' ? 'Secure' : '',
    ]
      .filter(Boolean)
      .join('; ');
  };
  const raw: StorageAdapter = {
    getItem: (key) => readCookie(doc(), key),
    setItem(key, value) {
      doc().cookie = `${key}=${encodeURIComponent(value)}; ${attributes(options.maxAge ?? 400 * 24 * 3600)}`;
    },
    removeItem(key) {
      doc().cookie = `${key}=; ${attributes(0)}`;
    },
  };
  return chunkedStorage(raw, { chunkSize: options.chunkSize ?? 3180, measure: 'uri' });
}

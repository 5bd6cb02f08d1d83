/**
 * Where a callback route sends the browser: configured targets (a path or an absolute URL) and a
 * link's `next` (a path on the same origin only), kept relative so a proxy's internal origin never
 * leaks into `Location` (RFC 9110 §10.2.2 allows a relative reference).
 */

/** A path (`/…`, not `//…` or `/\…`, which browsers read as another host) or an absolute http(s) URL. */
export function isTarget(value: unknown): value is string {
  return (
    typeof value === 'string' &&
    ((value.startsWith('/') && !value.startsWith('//') && !value.startsWith('/\\')) || /^https?:\/\/[^/\\]/i.test(value))
  );
}

const BASE = 'https://latchkey.invalid';

/**
 * `next` when it is a path on this origin, as a path; null otherwise. The check is made on the
 * parsed URL, which also catches what the parser rewrites: tabs and newlines dropped
 * (`/\t/evil.example` → `//evil.example`), backslashes read as slashes.
 */
export function safeNext(next: string | null | undefined): string | null {
  if (!next || !next.startsWith('/')) return null;
  try {
    const url = new URL(next, BASE);
    return url.origin === BASE ? `${url.pathname}${url.search}${url.hash}` : null;
  } catch {
    return null;
  }
}

/** `target` with `params` added to its query, still relative if it was. */
export function withQuery(target: string, params: Record<string, string>): string {
  const url = new URL(target, BASE);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  return url.origin === BASE && !target.startsWith(BASE) ? `${url.pathname}${url.search}${url.hash}` : url.href;
}

/** A 303 to `location` that no cache keeps and that sends no `Referer` carrying the code onwards. */
export function seeOther(location: string, setCookies: string[] = []): Response {
  const headers = new Headers({ location, 'cache-control': 'private, no-store', 'referrer-policy': 'no-referrer' });
  for (const line of setCookies) headers.append('set-cookie', line);
  return new Response(null, { status: 303, headers });
}

/**
 * The error the auth server sent the browser back with, if any: GoTrue's `error_code` and
 * `error_description` (a used or expired link, a failed provider sign-in), or a provider's own
 * refusal passed on as `error` alone (`access_denied` when the user declined).
 */
export function returnedError(params: URLSearchParams): { code: string; description: string } | null {
  const code = params.get('error_code') || params.get('error');
  const description = params.get('error_description');
  if (!code && !description) return null;
  return { code: code || 'unexpected_response', description: description || 'The sign-in failed.' };
}

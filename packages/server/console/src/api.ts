/**
 * Calls to the admin API, authorized by the console cookie (HttpOnly: this script never sees it)
 * and the CSRF token, which lives only in this module's memory: never in the page, a cookie,
 * localStorage or sessionStorage. A reload asks GET /console/session for it again.
 */
let csrfToken: string | undefined;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/** Called when the session is gone (expired, signed out elsewhere): main.ts shows the sign-in. */
let onSignedOut: () => void = () => {};
export function whenSignedOut(callback: () => void): void {
  onSignedOut = callback;
}

async function send(method: string, path: string, body?: unknown): Promise<Response> {
  const headers: Record<string, string> = { 'x-supabase-api-version': '2024-01-01' };
  if (csrfToken) headers['x-latchkey-csrf'] = csrfToken;
  if (body !== undefined) headers['content-type'] = 'application/json';
  return fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    // The cookie goes only to this origin; the console never calls another.
    credentials: 'same-origin',
    cache: 'no-store',
  });
}

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const res = await send(method, path, body);
  const text = await res.text();
  const data = text ? JSON.parse(text) : undefined;
  if (!res.ok) {
    if (res.status === 401) {
      csrfToken = undefined;
      onSignedOut();
    }
    throw new ApiError(res.status, data?.code ?? 'error', data?.message ?? `HTTP ${res.status}`);
  }
  return data as T;
}

/** Restores the session after a reload; false when there is none. */
export async function resume(): Promise<boolean> {
  const res = await send('GET', '/console/session');
  if (!res.ok) return false;
  csrfToken = ((await res.json()) as { csrf_token: string }).csrf_token;
  return true;
}

/** Exchanges the secret key for the console cookie; the key is not kept anywhere. */
export async function signIn(secretKey: string): Promise<void> {
  const res = await send('POST', '/console/session', { secret_key: secretKey });
  const data = await res.json();
  if (!res.ok) throw new ApiError(res.status, data.code, data.message);
  csrfToken = data.csrf_token;
}

export async function signOut(): Promise<void> {
  await send('DELETE', '/console/session').catch(() => undefined);
  csrfToken = undefined;
}

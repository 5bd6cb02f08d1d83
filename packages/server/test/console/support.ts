/** Signing in to the console over HTTP as a browser would, for the console's HTTP-level tests. */
import type { TestServer } from '../../src/testing.js';
import { API_VERSION } from '../helpers.js';

export interface ConsoleSession {
  /** The `name=value` pair to send back in a Cookie header. */
  cookie: string;
  /** The whole Set-Cookie header the sign-in answered. */
  setCookie: string;
  csrf: string;
}

/** Headers of a same-origin fetch from the console page. */
export function sameOrigin(server: TestServer): Record<string, string> {
  return { origin: server.url, 'sec-fetch-site': 'same-origin' };
}

export async function consoleSignIn(server: TestServer, secretKey = server.secretKey): Promise<ConsoleSession> {
  const res = await fetch(`${server.url}/console/session`, {
    method: 'POST',
    headers: { ...API_VERSION, ...sameOrigin(server), 'content-type': 'application/json' },
    body: JSON.stringify({ secret_key: secretKey }),
  });
  if (res.status !== 200) throw new Error(`console sign-in failed: ${res.status} ${await res.text()}`);
  const setCookie = res.headers.get('set-cookie') ?? '';
  const body = (await res.json()) as { csrf_token: string };
  return { cookie: setCookie.split(';')[0] as string, setCookie, csrf: body.csrf_token };
}

/** An admin call authorized by the console cookie, with the given extra headers (or none of the defaults). */
export async function consoleCall(
  server: TestServer,
  method: string,
  path: string,
  session: ConsoleSession,
  options: { headers?: Record<string, string>; body?: unknown; csrf?: string | null } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { ...API_VERSION, ...sameOrigin(server), cookie: session.cookie, ...options.headers };
  const csrf = options.csrf === undefined ? session.csrf : options.csrf;
  if (csrf !== null) headers['x-latchkey-csrf'] = csrf;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${server.url}${path}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {}
  return { status: res.status, body, headers: res.headers };
}

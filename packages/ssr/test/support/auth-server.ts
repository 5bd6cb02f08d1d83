/**
 * A real Latchkey server in-process (real HTTP, on the Postgres of this machine in a schema of its
 * own, dropped on close), with the clock the test moves, plus the few wire calls tests make
 * directly.
 */
import { startTestServer, type TestServer } from '@latchkey/server/testing';
import { email, PASSWORD, POSTGRES_URL } from './services.js';

export type { TestServer };

export function startAuthServer(config: Record<string, unknown> = {}): Promise<TestServer> {
  return startTestServer({ database: POSTGRES_URL, config: { jwtExp: 60, refreshReuseInterval: 10, ...config } });
}

export interface WireSession {
  access_token: string;
  refresh_token: string;
  expires_in: number;
  user: { id: string; email: string; user_metadata: Record<string, unknown> };
}

/** Signs up a new user straight at the auth server. */
export async function signUp(authUrl: string, data?: Record<string, unknown>): Promise<WireSession & { email: string }> {
  const address = email();
  const response = await fetch(`${authUrl}/signup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-supabase-api-version': '2024-01-01' },
    body: JSON.stringify({ email: address, password: PASSWORD, data }),
  });
  if (!response.ok) throw new Error(`sign-up failed: ${response.status} ${await response.text()}`);
  return { ...((await response.json()) as WireSession), email: address };
}

/** Ends a session at the auth server, as another device signing out would. */
export async function logout(authUrl: string, accessToken: string): Promise<number> {
  const response = await fetch(`${authUrl}/logout?scope=local`, { method: 'POST', headers: { authorization: `Bearer ${accessToken}` } });
  return response.status;
}

/** `GET /user` with a bearer token: the status and error code, as an API checking the token would see them. */
export async function whoAmI(authUrl: string, accessToken: string): Promise<{ status: number; code?: string; id?: string }> {
  const response = await fetch(`${authUrl}/user`, {
    headers: { authorization: `Bearer ${accessToken}`, 'x-supabase-api-version': '2024-01-01' },
  });
  const body = (await response.json()) as { code?: string; id?: string };
  return { status: response.status, code: body.code, id: body.id };
}

/** The refresh counters of the auth server's `/metrics` (one process). */
export async function refreshCounts(authUrl: string, secretKey: string): Promise<{ rotated: number; replayed: number; reuse: number }> {
  const text = await (await fetch(`${authUrl}/metrics`, { headers: { authorization: `Bearer ${secretKey}` } })).text();
  const read = (pattern: string) => Number(new RegExp(`^${pattern} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  return {
    rotated: read('latchkey_refreshes_total\\{outcome="rotated"\\}'),
    replayed: read('latchkey_refreshes_total\\{outcome="replayed"\\}'),
    reuse: read('latchkey_refresh_token_reuse_detected_total'),
  };
}

export { PASSWORD };

/** How many live sessions the user has at the auth server (admin API). */
export async function liveSessions(authUrl: string, secretKey: string, userId: string): Promise<number> {
  const response = await fetch(`${authUrl}/admin/users/${userId}/sessions`, { headers: { authorization: `Bearer ${secretKey}` } });
  const body = (await response.json()) as { sessions?: unknown[] };
  if (!Array.isArray(body.sessions)) throw new Error(`listing sessions failed: ${response.status}`);
  return body.sessions.length;
}

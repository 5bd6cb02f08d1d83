/** Small HTTP helpers shared by the server's tests (no state: each call is independent). */
import { randomBytes } from 'node:crypto';
import type { TestServer } from '../src/testing.js';

export const API_VERSION = { 'x-supabase-api-version': '2024-01-01' };

export function uniqueEmail(label = 'user'): string {
  return `${label}-${randomBytes(6).toString('hex')}@example.com`;
}

export interface Reply<T = any> {
  status: number;
  body: T;
  headers: Headers;
}

export async function call<T = any>(
  base: string,
  method: string,
  path: string,
  options: { body?: unknown; rawBody?: string; token?: string; headers?: Record<string, string> } = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...API_VERSION, ...options.headers };
  if (options.body !== undefined || options.rawBody !== undefined) headers['content-type'] ??= 'application/json';
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const res = await fetch(`${base}${path}`, {
    method,
    headers,
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

export interface Tokens {
  access_token: string;
  refresh_token: string;
  expires_at: number;
  user: { id: string; email: string };
}

export async function signUp(server: { authUrl: string }, email = uniqueEmail(), password = 'correct horse battery'): Promise<Tokens> {
  const reply = await call<Tokens>(server.authUrl, 'POST', '/signup', { body: { email, password } });
  if (reply.status !== 200) throw new Error(`sign-up failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

export function refresh(base: string, refreshToken: string): Promise<Reply> {
  return call(base, 'POST', '/token?grant_type=refresh_token', { body: { refresh_token: refreshToken } });
}

export type { TestServer };

/** JSON text of `levels` objects nested in one another (`{"a":{"a":{}}}` is 3), as raw text: JSON.stringify itself overflows on thousands. */
export function nestedJson(levels: number): string {
  return `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;
}

/** `[name, url]` for describe.each over PGlite and, when configured, Postgres. */
export function databaseCases(databases: string[]): Array<[string, string]> {
  return databases.map((d) => [d.startsWith('postgres') ? 'postgres' : 'pglite', d]);
}

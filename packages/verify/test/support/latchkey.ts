/** A real Latchkey server for end-to-end tests, and sign-up/logout against it. */
import { randomBytes } from 'node:crypto';
import { startTestServer, type TestServer } from '@latchkey/server/testing';

export type { TestServer };

export function startLatchkey(): Promise<TestServer> {
  return startTestServer({ config: { jwtExp: 60 } });
}

export interface Session {
  access_token: string;
  refresh_token: string;
  user: { id: string; email: string };
}

const JSON_HEADERS = { 'content-type': 'application/json' };

export async function signUp(server: TestServer): Promise<Session> {
  const email = `user-${randomBytes(6).toString('hex')}@example.com`;
  const res = await fetch(`${server.authUrl}/signup`, {
    method: 'POST',
    headers: JSON_HEADERS,
    body: JSON.stringify({ email, password: 'password123' }),
  });
  if (res.status !== 200) throw new Error(`sign-up failed: ${res.status}`);
  return (await res.json()) as Session;
}

/** Ends this session on the server (its access tokens stay signature-valid until exp). */
export async function logoutLocal(server: TestServer, accessToken: string): Promise<void> {
  const res = await fetch(`${server.authUrl}/logout?scope=local`, { method: 'POST', headers: { authorization: `Bearer ${accessToken}` } });
  if (res.status !== 204) throw new Error(`logout failed: ${res.status}`);
}

export function jwksUrl(server: TestServer): string {
  return `${server.authUrl}/.well-known/jwks.json`;
}

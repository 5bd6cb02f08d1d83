/** Small MFA helpers for the server's tests (no state: each call is independent). */
import type { TestServer } from '../../../src/testing.js';
import { call, type Reply, type Tokens } from '../../helpers.js';

/** The claims of a JWT, unverified (the server verified it; tests read what it says). */
export function claims(token: string): Record<string, any> {
  return JSON.parse(Buffer.from(token.split('.')[1] as string, 'base64url').toString('utf8'));
}

export async function signIn(server: { authUrl: string }, email: string, password = 'correct horse battery'): Promise<Tokens> {
  const reply = await call<Tokens>(server.authUrl, 'POST', '/token?grant_type=password', { body: { email, password } });
  if (reply.status !== 200) throw new Error(`sign-in failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  return reply.body;
}

/** Enrols a TOTP factor; returns its id and secret. */
export async function enrolTotp(server: TestServer, accessToken: string, friendlyName?: string): Promise<{ id: string; secret: string }> {
  const reply = await call(server.authUrl, 'POST', '/factors', {
    token: accessToken,
    body: { factor_type: 'totp', ...(friendlyName ? { friendly_name: friendlyName } : {}) },
  });
  if (reply.status !== 200) throw new Error(`enrol failed: ${reply.status} ${JSON.stringify(reply.body)}`);
  return { id: reply.body.id, secret: reply.body.totp.secret };
}

/** Challenges a factor and verifies the challenge with `code`. */
export async function verifyTotp(server: TestServer, accessToken: string, factorId: string, code: string): Promise<Reply> {
  const challenge = await call(server.authUrl, 'POST', `/factors/${factorId}/challenge`, { token: accessToken });
  if (challenge.status !== 200) return challenge;
  return call(server.authUrl, 'POST', `/factors/${factorId}/verify`, {
    token: accessToken,
    body: { challenge_id: challenge.body.id, code },
  });
}

/** Raises a real Latchkey session to aal2: enrol a TOTP factor, answer its challenge. */
import { createHmac } from 'node:crypto';
import type { Session, TestServer } from './latchkey.js';

function base32(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of text) {
    value = (value << 5) | alphabet.indexOf(char);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** RFC 6238 code of a base32 secret at `ms` (SHA-1, 6 digits, 30-second steps). */
export function totp(secret: string, ms: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(ms / 30_000)));
  const mac = createHmac('sha1', base32(secret)).update(counter).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  return String((mac.readUInt32BE(offset) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

async function post(server: TestServer, path: string, token: string, body: unknown): Promise<any> {
  const res = await fetch(`${server.authUrl}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
  if (res.status !== 200) throw new Error(`${path} failed: ${res.status} ${await res.text()}`);
  return res.json();
}

/** The session after verifying a second factor: its access token says aal2. */
export async function raiseToAal2(server: TestServer, session: Session): Promise<Session> {
  const factor = await post(server, '/factors', session.access_token, { factor_type: 'totp' });
  const challenge = await post(server, `/factors/${factor.id}/challenge`, session.access_token, {});
  return post(server, `/factors/${factor.id}/verify`, session.access_token, {
    challenge_id: challenge.id,
    code: totp(factor.totp.secret, server.clock()),
  });
}

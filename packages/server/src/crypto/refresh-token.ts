/**
 * Refresh tokens: `base64url(version ‖ session id ‖ counter ‖ MAC)`.
 *
 * Token n of a session is a pure function of (session id, n) under the server's MAC key, so the
 * database never holds a token nor the means to make one (the MAC key derives from the secret key,
 * which can live outside the database: LATCHKEY_SECRET_KEY). It also means every concurrent
 * caller who rotates from n gets the very same successor n+1 without it being stored: the design
 * DESIGN.md describes (GoTrue's newer tokens keep a per-session MAC key in the database; ours
 * derive from one root key so a database dump alone cannot mint tokens).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

const VERSION = 1;
const UUID_BYTES = 16;
const COUNTER_BYTES = 8;
// 128-bit MAC: a forger's chance per guess is 2^-128, and tokens are checked online only.
const MAC_BYTES = 16;
const BODY_BYTES = 1 + UUID_BYTES + COUNTER_BYTES;
const TOKEN_BYTES = BODY_BYTES + MAC_BYTES;
/** base64url length of a token; anything else is not one of ours. */
export const REFRESH_TOKEN_LENGTH = Math.ceil((TOKEN_BYTES * 4) / 3);

export interface RefreshTokenParts {
  sessionId: string;
  counter: number;
}

function body(sessionId: string, counter: number): Buffer {
  const buf = Buffer.alloc(BODY_BYTES);
  buf[0] = VERSION;
  Buffer.from(sessionId.replaceAll('-', ''), 'hex').copy(buf, 1);
  buf.writeBigUInt64BE(BigInt(counter), 1 + UUID_BYTES);
  return buf;
}

function mac(key: Buffer, data: Buffer): Buffer {
  return createHmac('sha256', key).update(data).digest().subarray(0, MAC_BYTES);
}

export function encodeRefreshToken(key: Buffer, { sessionId, counter }: RefreshTokenParts): string {
  const data = body(sessionId, counter);
  return Buffer.concat([data, mac(key, data)]).toString('base64url');
}

/** The session and counter a token names, or undefined when it is not a token we issued. */
export function decodeRefreshToken(key: Buffer, token: string): RefreshTokenParts | undefined {
  if (token.length !== REFRESH_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
  const raw = Buffer.from(token, 'base64url');
  if (raw.length !== TOKEN_BYTES || raw[0] !== VERSION) return undefined;
  const data = raw.subarray(0, BODY_BYTES);
  // Constant-time compare: the time taken must not tell a forger how many MAC bytes were right.
  if (!timingSafeEqual(raw.subarray(BODY_BYTES), mac(key, data))) return undefined;
  const hex = data.subarray(1, 1 + UUID_BYTES).toString('hex');
  const sessionId = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  const counter = data.readBigUInt64BE(1 + UUID_BYTES);
  if (counter > BigInt(Number.MAX_SAFE_INTEGER)) return undefined;
  return { sessionId, counter: Number(counter) };
}

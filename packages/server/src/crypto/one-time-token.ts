/**
 * The secrets an email carries: a link token and a one-time code, minted together for one action
 * (confirm an address, recover an account, sign in, change an address, reauthenticate) and stored
 * only as hashes.
 *
 * Wire names follow GoTrue: the link token is what GoTrue's templates call `{{ .TokenHash }}`
 * (sent back as `token_hash` to POST /verify, or as `token` in the GET /verify link), the code is
 * `{{ .Token }}` (sent back with the email address). Unlike GoTrue, whose token hash is
 * SHA-224(email ‖ code) and so only as hard to guess as the 6-digit code once the address is
 * known, the link token here is independent 256-bit randomness.
 */
import { createHash, createHmac, randomBytes, randomInt } from 'node:crypto';

export interface OneTimeSecrets {
  /** 64 hex characters (32 random bytes): the link's token. */
  linkToken: string;
  /** `length` decimal digits: the code a person types. */
  code: string;
}

export function mintOneTimeSecrets(codeLength: number): OneTimeSecrets {
  // randomInt draws uniformly (rejection sampling), so every code is equally likely.
  const code = String(randomInt(0, 10 ** codeLength)).padStart(codeLength, '0');
  return { linkToken: randomBytes(32).toString('hex'), code };
}

/**
 * What the database keeps of a link token. Plain SHA-256 suffices: the token is 256 bits of
 * randomness, so a stolen hash cannot be reversed by search, and no slow or salted hash would add
 * anything (the argument Lucia makes for session tokens). It also lets the lookup be one indexed
 * equality, with no secret-dependent comparison in JavaScript.
 */
export function hashLinkToken(linkToken: string): string {
  return createHash('sha256').update(linkToken, 'utf8').digest('hex');
}

/**
 * What the database keeps of a code: HMAC-SHA-256 under a key derived from the secret key, bound
 * to the address it was sent to. A code has only 10^6 values, so a plain hash in a database dump
 * would fall to enumeration in a second; without the key (LATCHKEY_SECRET_KEY, outside the
 * database) the stored value says nothing. Binding the address keeps one code from matching
 * another address's token.
 */
export function hashCode(key: Buffer, address: string, code: string): string {
  return createHmac('sha256', key).update(`${address}\u0000${code}`, 'utf8').digest('hex');
}

/** True for something shaped like a link token (64 hex); anything else cannot match and skips the database. */
export function looksLikeLinkToken(value: string): boolean {
  return /^[0-9a-f]{64}$/.test(value);
}

/** A PKCE auth code (RFC 7636 §4.1's "authorization code"): 256 random bits, hex, stored hashed like a link token. */
export function mintAuthCode(): string {
  return randomBytes(32).toString('hex');
}

/**
 * The prefix of a PKCE flow's link token (GoTrue's `pkce_`): the link says which flow it belongs
 * to even once its token is spent or expired, so an error can reach a server-side callback in the
 * query string (a server never sees the fragment). It names the flow only: the token after it is
 * what is hashed and verified.
 */
export const PKCE_PREFIX = 'pkce_';

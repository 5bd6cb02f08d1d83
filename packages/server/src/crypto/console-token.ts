/**
 * The console's session cookie and its CSRF token. The cookie holds 32 random bytes; the
 * database holds only their SHA-256 (a fast hash suffices: a 256-bit random value cannot be
 * guessed from its hash, unlike a password). The CSRF token is a MAC of the cookie's value, so it
 * needs no storage and is worthless without the cookie it was minted for.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { secretEquals } from '../http/secret-equals.js';

/** A new cookie value: 256 bits from the CSPRNG, base64url (43 characters). */
export function newConsoleToken(): string {
  return randomBytes(32).toString('base64url');
}

/** What the database stores for a cookie value. */
export function consoleTokenHash(token: string): string {
  return createHash('sha256').update(token).digest('base64url');
}

/** The CSRF token bound to a cookie value, under a key derived from the secret key. */
export function csrfTokenFor(key: Buffer, token: string): string {
  return createHmac('sha256', key).update(`console-csrf\u0000${token}`).digest('base64url');
}

/** Checks a presented CSRF token against the cookie's, in constant time. */
export function csrfTokenMatches(key: Buffer, token: string, presented: string): boolean {
  return secretEquals(csrfTokenFor(key, token), presented);
}

/**
 * Password hashing: argon2id with OWASP's recommended parameters (m = 19 MiB, t = 2, p = 1;
 * OWASP Password Storage Cheat Sheet). The `argon2` binding hashes on libuv's thread pool, so a
 * flood of sign-ins never blocks the event loop that serves refreshes.
 */
import argon2 from 'argon2';
import { LatchkeyError } from '../errors.js';

const OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 8;
// An upper bound keeps one request from buying unbounded hashing work.
export const MAX_PASSWORD_LENGTH = 1024;

/** Throws `422 weak_password` (with GoTrue's `weak_password.reasons`) for a password we refuse. */
export function assertStrongPassword(password: string): void {
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new LatchkeyError('weak_password', `Password should be at least ${MIN_PASSWORD_LENGTH} characters.`, {
      extra: { weak_password: { reasons: ['length'] } },
    });
  }
  if (password.length > MAX_PASSWORD_LENGTH) {
    throw new LatchkeyError('validation_failed', `Password should be at most ${MAX_PASSWORD_LENGTH} characters.`);
  }
}

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, OPTIONS);
}

// Verified against when the account does not exist, so "no such user" takes as long as "wrong
// password" and response time does not reveal which emails are registered.
let dummyHash: Promise<string> | undefined;

/** Constant-time check of `password` against a stored hash (or a dummy one when there is none). */
export async function verifyPassword(hash: string | null | undefined, password: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  if (!hash) {
    dummyHash ??= hashPassword('latchkey-dummy-password');
    await argon2.verify(await dummyHash, password).catch(() => false);
    return false;
  }
  try {
    return await argon2.verify(hash, password);
  } catch {
    return false;
  }
}

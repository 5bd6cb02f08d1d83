/**
 * Password hashing: argon2id with OWASP's recommended parameters (m = 19 MiB, t = 2, p = 1;
 * OWASP Password Storage Cheat Sheet), stored as the standard PHC string. `@node-rs/argon2` hashes
 * on libuv's thread pool, so a flood of sign-ins never blocks the event loop that serves
 * refreshes. (It ships prebuilt binaries per platform; the `argon2` package's prebuild crashed on
 * our CI machines and building it needs install scripts.)
 */
import { hash, verify } from '@node-rs/argon2';
import { LatchkeyError } from '../errors.js';
import { hashQueue } from './hash-queue.js';

// algorithm 2 = Argon2id (the package's const enum cannot be imported under verbatimModuleSyntax).
const OPTIONS = { algorithm: 2, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

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
  return hashQueue.run(() => hash(password, OPTIONS));
}

// Verified against when the account does not exist, so "no such user" takes as long as "wrong
// password" and response time does not reveal which emails are registered.
let dummyHash: Promise<string> | undefined;

/** Checks `password` against a stored hash (or a dummy one when there is none); argon2's compare is constant-time. */
export async function verifyPassword(storedHash: string | null | undefined, password: string): Promise<boolean> {
  if (password.length > MAX_PASSWORD_LENGTH) return false;
  if (!storedHash) {
    dummyHash ??= hashPassword('latchkey-dummy-password');
    const dummy = await dummyHash;
    // Same queue, same cost as a real check: an overloaded server answers 503 for both alike.
    await hashQueue.run(() => verify(dummy, password).catch(() => false));
    return false;
  }
  // A malformed stored hash is a failed check; a full queue (503) propagates.
  return hashQueue.run(() => verify(storedHash, password).catch(() => false));
}

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

// An upper bound keeps one request from buying unbounded hashing work.
export const MAX_PASSWORD_LENGTH = 1024;
export const PASSWORD_TOO_LONG = `Password cannot be longer than ${MAX_PASSWORD_LENGTH} characters`;

/** What a new password must satisfy (LATCHKEY_PASSWORD_MIN_LENGTH, LATCHKEY_PASSWORD_REQUIRED_CHARACTERS). */
export interface PasswordPolicy {
  passwordMinLength: number;
  passwordRequiredCharacters: string | undefined;
}

/**
 * The character sets of GoTrue's `GOTRUE_PASSWORD_REQUIRED_CHARACTERS` format: sets separated by
 * `:`, a `\:` standing for a literal colon inside a set, empty sets ignored.
 */
export function requiredCharacterSets(setting: string | undefined): string[] {
  if (!setting) return [];
  const sets: string[] = [];
  let current = '';
  for (let i = 0; i < setting.length; i++) {
    const char = setting[i] as string;
    if (char === '\\' && setting[i + 1] === ':') {
      current += ':';
      i++;
    } else if (char === ':') {
      if (current) sets.push(current);
      current = '';
    } else current += char;
  }
  if (current) sets.push(current);
  return sets;
}

/**
 * Throws GoTrue's `422 weak_password`, with `weak_password.reasons` (`length`, `characters`) and
 * GoTrue's sentences, for a password the policy refuses.
 */
export function assertStrongPassword(password: string, policy: PasswordPolicy): void {
  // Characters as people count them (code points): an emoji is one character, not two UTF-16 units.
  const length = [...password].length;
  if (password.length > MAX_PASSWORD_LENGTH) throw new LatchkeyError('validation_failed', PASSWORD_TOO_LONG);
  const reasons: string[] = [];
  const messages: string[] = [];
  if (length < policy.passwordMinLength) {
    reasons.push('length');
    messages.push(`Password should be at least ${policy.passwordMinLength} characters.`);
  }
  const sets = requiredCharacterSets(policy.passwordRequiredCharacters);
  // Each set needs one of its characters in the password (GoTrue: strings.ContainsAny per set).
  if (sets.some((set) => ![...set].some((char) => password.includes(char)))) {
    reasons.push('characters');
    messages.push(`Password should contain at least one character of each: ${sets.join(', ')}.`);
  }
  if (reasons.length > 0) throw new LatchkeyError('weak_password', messages.join(' '), { extra: { weak_password: { reasons } } });
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

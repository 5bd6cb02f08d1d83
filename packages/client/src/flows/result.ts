/** Building `{ data, error }` results. */
import { LatchkeyError, toLatchkeyError } from '../errors.js';
import type { Result } from '../types.js';

export function ok<T>(data: T): Result<T> {
  return { data, error: null };
}

/** A failed result: every field of `data` null. */
export function fail<T>(keys: (keyof T)[], error: unknown): Result<T> {
  const data = Object.fromEntries(keys.map((key) => [key, null])) as { [K in keyof T]: null };
  return { data, error: toLatchkeyError(error, 'unexpected_response', 'The operation failed unexpectedly.') };
}

export function missingSession(): LatchkeyError {
  return new LatchkeyError('session_missing', 'There is no session: sign in first.');
}

export function invalid(message: string): LatchkeyError {
  return new LatchkeyError('invalid_argument', message);
}

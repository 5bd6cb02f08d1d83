/**
 * Keyset cursors for paged lists: the sort key and id of the last row seen, as opaque base64url
 * JSON. Decoded strictly (their shape is checked here, their values by the statement's casts and
 * the caller), so a garbled cursor is a 400, never a 500.
 */
import { LatchkeyError } from '../errors.js';

export function encodeCursor(values: readonly string[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

export function decodeCursor(text: string, length: number): string[] {
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    values = undefined;
  }
  if (
    !Array.isArray(values) ||
    values.length !== length ||
    !values.every((v) => typeof v === 'string' && v.length <= 1024 && !v.includes('\u0000'))
  )
    throw new LatchkeyError('validation_failed', 'cursor: not a cursor this list gave out');
  return values as string[];
}

/** A cursor value that must be a time. */
export function cursorTime(value: string): Date {
  const at = new Date(value);
  if (Number.isNaN(at.getTime())) throw new LatchkeyError('validation_failed', 'cursor: not a cursor this list gave out');
  return at;
}

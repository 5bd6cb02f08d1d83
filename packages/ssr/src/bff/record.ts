/** The server-side session record of the token handler: what the store keeps under a session's key. */
import type { Session } from '@latchkey/client';

export interface SessionRecord {
  /** The tokens and the user, as `@latchkey/client` keeps a session. Never sent to the browser. */
  session: Session;
  /** When the record was created (ms since the epoch). */
  createdAt: number;
  /** When the BFF session ends whatever happens (ms since the epoch): the store may forget it then. */
  expiresAt: number;
}

/** A record as read from a store, with the fence of the holder that last wrote it (0 for sign-in). */
export interface StoredRecord {
  record: SessionRecord;
  fence: number;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A record read back from a store's text or JSON, or null when it is not one (treated as absent). */
export function toRecord(value: unknown): SessionRecord | null {
  let parsed = value;
  if (typeof value === 'string') {
    try {
      parsed = JSON.parse(value);
    } catch {
      return null;
    }
  }
  if (!isObject(parsed) || !isObject(parsed.session) || typeof parsed.expiresAt !== 'number' || typeof parsed.createdAt !== 'number')
    return null;
  const session = parsed.session;
  if (typeof session.access_token !== 'string' || typeof session.refresh_token !== 'string' || typeof session.expires_at !== 'number')
    return null;
  if (!isObject(session.user) || typeof session.user.id !== 'string') return null;
  return parsed as unknown as SessionRecord;
}

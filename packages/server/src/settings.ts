/**
 * Generated settings: the admin secret key (when LATCHKEY_SECRET_KEY is unset) and the
 * publishable key. Generated once, on first start, and shared by every process on the database.
 *
 * An embedded database keeps them in `<dir>/settings.json` (mode 0600) beside its data, so
 * `latchkey api-keys` can read them while a server holds the embedded database open; a Postgres
 * database keeps them in its `settings` table.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from './db/database.js';

export interface ApiKeys {
  /** Public by design: apps pass it to `createClient`. */
  publishableKey: string;
  /** Authorizes the admin API. Never give it to a browser. */
  secretKey: string;
}

/** 32 random bytes: guessing a secret key is a 2^-256 chance per try. */
export function generateSecretKey(): string {
  return `lk_secret_${randomBytes(32).toString('base64url')}`;
}

export function generatePublishableKey(): string {
  return `lk_publishable_${randomBytes(16).toString('base64url')}`;
}

interface SettingsFile {
  secret_key?: string;
  publishable_key?: string;
}

/** Reads (or on first call generates) the keys of an embedded database directory. */
export function embeddedApiKeys(directory: string, secretKeyOverride: string | undefined): ApiKeys {
  const path = join(directory, 'settings.json');
  let stored: SettingsFile = {};
  try {
    stored = JSON.parse(readFileSync(path, 'utf8')) as SettingsFile;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  if (!stored.publishable_key || !stored.secret_key) {
    stored = { secret_key: stored.secret_key ?? generateSecretKey(), publishable_key: stored.publishable_key ?? generatePublishableKey() };
    // 0600: the file holds the admin secret; only the server's user may read it.
    writeFileSync(path, JSON.stringify(stored, null, 2) + '\n', { mode: 0o600 });
  }
  return { publishableKey: stored.publishable_key as string, secretKey: secretKeyOverride ?? (stored.secret_key as string) };
}

/** Reads (or on first call generates) the keys kept in a database's `settings` table. */
export async function databaseApiKeys(db: Database, secretKeyOverride: string | undefined, now: Date): Promise<ApiKeys> {
  // INSERT … ON CONFLICT DO NOTHING then SELECT: processes starting together agree on one value.
  const wanted: Array<[string, string | undefined]> = [
    ['publishable_key', generatePublishableKey()],
    ['secret_key', secretKeyOverride === undefined ? generateSecretKey() : undefined],
  ];
  for (const [name, value] of wanted) {
    if (value === undefined) continue;
    await db.query('INSERT INTO settings (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING', [name, value, now]);
  }
  const rows = await db.query<{ name: string; value: string }>(
    "SELECT name, value FROM settings WHERE name IN ('publishable_key', 'secret_key')",
  );
  const byName = new Map(rows.map((r) => [r.name, r.value]));
  return { publishableKey: byName.get('publishable_key') as string, secretKey: secretKeyOverride ?? (byName.get('secret_key') as string) };
}

/** The services the tests run against: Postgres and Redis on this machine (see DESIGN.md, "Tests and services"). */
import { randomBytes } from 'node:crypto';

export const POSTGRES_URL = process.env.LATCHKEY_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const REDIS_URL = process.env.LATCHKEY_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A name no other test run uses (table names, schemas, key prefixes). */
export function unique(prefix: string): string {
  return `${prefix}_${randomBytes(6).toString('hex')}`;
}

export const PASSWORD = 'correct horse battery staple';

export function email(): string {
  return `${unique('user')}@example.com`;
}

/**
 * Test support, published as `@latchkey/server/testing`: start a real Latchkey server in-process
 * over real HTTP, on embedded PGlite in memory or on a Postgres server (in a schema of its own,
 * dropped on close), with a clock the test moves.
 *
 * @example
 * const server = await startTestServer({ config: { jwtExp: 60 } });
 * await fetch(`${server.url}/auth/v1/health`);
 * server.clock.advance(61_000); // access tokens have now expired
 * await server.close();
 */
import { randomBytes } from 'node:crypto';
import { defaultConfig, type Config } from './config.js';
import { openDatabase } from './db/database.js';
import type { Logger } from './log.js';
import { startServer, type RunningServer } from './server.js';

export interface FakeClock {
  (): number;
  /** Moves time forward by `ms` milliseconds. */
  advance(ms: number): void;
  set(ms: number): void;
}

export function createFakeClock(start = Date.now()): FakeClock {
  let now = start;
  const clock = (() => now) as FakeClock;
  clock.advance = (ms) => {
    now += ms;
  };
  clock.set = (ms) => {
    now = ms;
  };
  return clock;
}

export interface TestServer extends RunningServer {
  clock: FakeClock;
  publishableKey: string;
  secretKey: string;
  /** `<url>/auth/v1` */
  authUrl: string;
  database: string;
  schema: string;
}

/** The databases tests should run against: PGlite always, Postgres too when LATCHKEY_TEST_DATABASE_URL is set. */
export function testDatabases(): string[] {
  const url = process.env.LATCHKEY_TEST_DATABASE_URL;
  return url ? ['memory', url] : ['memory'];
}

export interface TestServerOptions {
  /** `memory` (default) or a postgres:// URL. */
  database?: string;
  config?: Partial<Config>;
  clock?: FakeClock;
  /** Share a schema with another test server (two processes on one database); default: a fresh one. */
  schema?: string;
  /** Where log lines go (default: nowhere, `logLevel: 'silent'`). */
  logger?: Logger;
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const database = options.database ?? 'memory';
  const clock = options.clock ?? createFakeClock();
  const schema = options.schema ?? `lk_test_${randomBytes(6).toString('hex')}`;
  const ownsSchema = options.schema === undefined;
  const config: Config = { ...defaultConfig(), port: 0, database, rateLimits: false, logLevel: 'silent', ...options.config };
  const server = await startServer(config, { clock, schema, logger: options.logger });
  const close = server.close;
  return {
    ...server,
    clock,
    schema,
    database,
    publishableKey: server.app.apiKeys.publishableKey,
    secretKey: server.app.apiKeys.secretKey,
    authUrl: `${server.url}/auth/v1`,
    async close(graceMs?: number) {
      await close(graceMs);
      if (database !== 'memory' && ownsSchema) await dropSchema(database, schema);
    },
  };
}

export async function dropSchema(database: string, schema: string): Promise<void> {
  // Through openDatabase, so a multi-host URL reaches its read-write host like the server does.
  const db = await openDatabase({ database, poolSize: 1, schema });
  try {
    await db.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  } finally {
    await db.close();
  }
}

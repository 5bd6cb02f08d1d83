/**
 * Latchkey under test: `latchkey serve` as its own process on Postgres, in a throwaway schema,
 * rate limits off, warn-level logs. Plus sign-ups to make sessions and the refresh protocol.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { connection } from './http1.mjs';
import { DATABASE_URL } from './postgres.mjs';

export const BIN = fileURLToPath(new URL('../../packages/server/bin/latchkey.js', import.meta.url));
const DIST = fileURLToPath(new URL('../../packages/server/dist/cli.js', import.meta.url));
export const ISSUER = 'http://bench.invalid/auth/v1';

export function assertBuilt() {
  if (!existsSync(DIST)) {
    console.error('packages/server is not built: run `npx tsc -b packages/server` (or npm install) first.');
    process.exit(1);
  }
}

/**
 * Starts one `latchkey serve` process. Several processes on one schema share the deployment
 * (same issuer; the secret key is generated once and kept in the database). `bin`: another
 * build's bin/latchkey.js (an earlier commit checked out and built elsewhere) to compare against.
 * `onSpawn(child)`: called at once, before the server is ready (bench/memory.mjs samples the
 * start-up's memory from there).
 * @returns {Promise<{ child, pid: number, url: string, authUrl: string, stop(): Promise<void> }>}
 */
export function startLatchkey({ schema, poolSize, env = {}, nodeArgs = [], database = DATABASE_URL, bin = BIN, onSpawn }) {
  const child = spawn(process.execPath, [...nodeArgs, bin, 'serve', '--port', '0', '--database', database], {
    env: {
      ...process.env,
      LATCHKEY_DB_SCHEMA: schema,
      LATCHKEY_RATE_LIMITS: 'off',
      LATCHKEY_LOG_LEVEL: 'warn',
      LATCHKEY_ISSUER: ISSUER,
      ...(poolSize ? { LATCHKEY_DB_POOL_SIZE: String(poolSize) } : {}),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  onSpawn?.(child);
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    let out = '';
    let ready = false;
    child.stdout.on('data', (c) => {
      if (ready) return;
      out += c;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        ready = true;
        resolve({
          child,
          pid: child.pid,
          url: m[1],
          authUrl: `${m[1]}/auth/v1`,
          async stop() {
            if (child.exitCode === null) child.kill('SIGTERM');
            await exited;
          },
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`latchkey serve exited ${code} before listening`)));
  });
}

/** The secret key (admin API, metrics) of the deployment in `schema`. */
export async function secretKeyFor(schema) {
  const { stdout } = await promisify(execFile)(process.execPath, [BIN, 'api-keys', '--json', '--database', DATABASE_URL], {
    env: { ...process.env, LATCHKEY_DB_SCHEMA: schema, LATCHKEY_LOG_LEVEL: 'warn' },
  });
  const keys = JSON.parse(stdout);
  return keys.secret_key ?? keys.secretKey ?? keys.secret;
}

export const PASSWORD = 'bench password 1';
export const emailFor = (tag, i) => `bench-${i}-${tag}@example.com`;

/**
 * Signs up `count` users (one session each) and returns their sessions. Each sign-up runs argon2,
 * so they go `parallel` at a time (libuv's pool has 4 threads).
 * @returns {Promise<Array<{ access_token: string, refresh_token: string, expires_at: number }>>}
 */
export async function signUpSessions(authUrl, count, tag, parallel = 8) {
  const sessions = new Array(count);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(parallel, count) }, async () => {
      const conn = connection(authUrl);
      while (next < count) {
        const i = next++;
        const res = await conn.request(
          'POST',
          `${new URL(authUrl).pathname}/signup`,
          { 'content-type': 'application/json' },
          JSON.stringify({ email: emailFor(tag, i), password: PASSWORD }),
        );
        if (res.status !== 200) throw new Error(`sign-up failed: ${res.status} ${res.body}`);
        sessions[i] = JSON.parse(res.body);
      }
      conn.close();
    }),
  );
  return sessions;
}

const REFRESH_RE = /"refresh_token":"([^"]+)"/;

/** The Latchkey (GoTrue) refresh grant: JSON in, JSON out with the rotated token. */
export const latchkeyProtocol = {
  request: (token) => ({
    method: 'POST',
    path: '/auth/v1/token?grant_type=refresh_token',
    headers: { 'content-type': 'application/json' },
    body: `{"refresh_token":"${token}"}`,
  }),
  successor: (status, body) => (status === 200 ? REFRESH_RE.exec(body)?.[1] : undefined),
  health: '/auth/v1/health',
};

/**
 * VmRSS of `pid` and all its descendants, in MiB (a server's child processes count: the embedded
 * database's template is made by one). 0 once the process is gone.
 */
export async function treeRssMiB(pid) {
  const { readFileSync, readdirSync } = await import('node:fs');
  let total = 0;
  const visit = (p) => {
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${p}/status`, 'utf8'));
      total += m ? Number(m[1]) / 1024 : 0;
      for (const task of readdirSync(`/proc/${p}/task`)) {
        for (const child of readFileSync(`/proc/${p}/task/${task}/children`, 'utf8').split(' ').filter(Boolean)) visit(child);
      }
    } catch {
      // Exited between the listing and the read.
    }
  };
  visit(pid);
  return total;
}

/** Reads `/proc/<pid>/status` VmRSS, in MiB. */
export async function rssMiB(pid) {
  const { readFileSync } = await import('node:fs');
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : NaN;
}

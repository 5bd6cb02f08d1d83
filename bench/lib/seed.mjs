/**
 * Data at scale (issue #17): millions of users and sessions written by Postgres itself
 * (`generate_series`, one INSERT … SELECT per table), not through HTTP, so 1 M users and 10 M
 * sessions take minutes instead of days of argon2.
 *
 * Every seeded user has the same password: their `encrypted_password` is one real argon2id hash,
 * made by a real sign-up on the deployment (`template`), so password sign-in works for any of them.
 * Ids are md5-derived (`md5('u' || i)::uuid`, `md5('s' || j)::uuid`): random-looking like real
 * UUIDs, yet the bench can name a session without asking the database.
 *
 * Session j belongs to user 1 + (j − 1) mod users; sessions are written in j order, with
 * created_at rising with j over the `days` before `endedDaysAgo`, so the table's physical order
 * is its age order, like a real one. Every `liveEvery`-th session is live (refreshed minutes ago,
 * never revoked); the others were signed out an hour after they were created (dead, and past a
 * 7-day retention when endedDaysAgo ≥ 7). Live sessions are therefore spread evenly over the whole
 * table, oldest pages to newest, not bunched at its end.
 *
 * Writing into indexed tables row by row is most of the cost at this size, so the sessions
 * table's indexes (primary key included) are dropped first and built again afterwards from their
 * own definitions (pg_indexes), and foreign-key triggers are skipped (`session_replication_role =
 * replica`: superuser, bench databases only) — the rows are consistent by construction.
 */
import { createHash, randomBytes } from 'node:crypto';
import { deriveKey } from '../../packages/server/dist/crypto/derive.js';
import { encodeRefreshToken } from '../../packages/server/dist/crypto/refresh-token.js';
import { connection } from './http1.mjs';
import { latchkeyProtocol, startLatchkey } from './latchkey.mjs';
import { dropSchemas, schemaName, withPg } from './postgres.mjs';

export const SEED_PASSWORD = 'bench password 1';
export const seededEmail = (i) => `scale-${i}@example.com`;

const md5Uuid = (text) => {
  const h = createHash('md5').update(text).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
};
/** The id of seeded session j (1-based), as Postgres computes it. */
export const seededSessionId = (j) => md5Uuid(`s${j}`);
/** The id of seeded user i (1-based). */
export const seededUserId = (i) => md5Uuid(`u${i}`);

/**
 * `count` live session numbers spread evenly over 1..sessions (every `liveEvery`-th is live).
 * @returns {number[]}
 */
export function liveSessionNumbers(sessions, liveEvery, count) {
  const live = Math.floor(sessions / liveEvery);
  if (count > live) throw new Error(`only ${live} live sessions seeded, ${count} wanted`);
  return Array.from({ length: count }, (_, k) => liveEvery * (1 + Math.floor((k * live) / count)));
}

const step = async (label, fn, log) => {
  const t0 = performance.now();
  const result = await fn();
  log?.(`  ${label}: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return result;
};

/**
 * Seeds a migrated Latchkey schema. `template`: the email of a user that signed up for real (its
 * hash and app metadata are copied). Existing seeded rows are not touched; call it on a fresh
 * schema.
 * @param {string} schema
 * @param {{ users: number, sessions: number, liveEvery?: number, days?: number, endedDaysAgo?: number, template: string, log?: (line: string) => void }} o
 */
export async function seedScale(schema, o) {
  const { users, sessions, template, log } = o;
  const liveEvery = o.liveEvery ?? 10;
  const days = o.days ?? 90;
  const endedDaysAgo = o.endedDaysAgo ?? 8;
  await withPg(async (c) => {
    await c.query(`SET search_path = ${schema}`);
    await c.query("SET maintenance_work_mem = '512MB'");
    await c.query('SET session_replication_role = replica');
    const [t] = (await c.query('SELECT encrypted_password, raw_app_meta_data FROM users WHERE email = $1', [template])).rows;
    if (!t?.encrypted_password) throw new Error(`template user ${template} not found`);

    await step(
      `${users.toLocaleString('en-US')} users`,
      () =>
        c.query(
          `INSERT INTO users (id, email, encrypted_password, email_confirmed_at, last_sign_in_at, raw_app_meta_data, created_at, updated_at)
           SELECT md5('u' || i)::uuid, 'scale-' || i || '@example.com', $1, at, at, $2::jsonb, at, at
             FROM generate_series(1, $3::int) i,
                  LATERAL (SELECT now() - interval '1 day' * ($4::int + 30) * (1 - i::float8 / $3)) a(at)`,
          [t.encrypted_password, JSON.stringify(t.raw_app_meta_data), users, days],
        ),
      log,
    );

    const indexes = (
      await c.query(
        `SELECT i.indexname, i.indexdef, con.conname
           FROM pg_indexes i LEFT JOIN pg_constraint con ON con.conname = i.indexname AND con.connamespace = $1::text::regnamespace
          WHERE i.schemaname = $1::text AND i.tablename = 'sessions'`,
        [schema],
      )
    ).rows;
    for (const ix of indexes) {
      if (ix.conname) await c.query(`ALTER TABLE sessions DROP CONSTRAINT ${ix.conname}`);
      else await c.query(`DROP INDEX ${ix.indexname}`);
    }
    await step(
      `${sessions.toLocaleString('en-US')} sessions (1 in ${liveEvery} live)`,
      () =>
        c.query(
          `INSERT INTO sessions (id, user_id, counter, aal, amr, created_at, refreshed_at, user_agent, ip, revoked_at, revoked_reason)
           SELECT md5('s' || j)::uuid, md5('u' || (1 + (j - 1) % $2))::uuid, 0, 'aal1',
                  jsonb_build_array(jsonb_build_object('method', 'password', 'timestamp', extract(epoch FROM at)::bigint)),
                  at,
                  CASE WHEN live THEN now() - interval '1 minute' * (j % 50) ELSE at + interval '30 minutes' END,
                  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36',
                  '10.' || (j % 256) || '.' || (j / 256 % 256) || '.' || (j / 65536 % 256),
                  CASE WHEN live THEN NULL ELSE at + interval '1 hour' END,
                  CASE WHEN live THEN NULL ELSE 'logout' END
             FROM generate_series(1, $1::int) j,
                  LATERAL (SELECT now() - interval '1 day' * ($5::int + $4::int * (1 - j::float8 / $1)), j % $3 = 0) a(at, live)`,
          [sessions, users, liveEvery, days, endedDaysAgo],
        ),
      log,
    );
    await step(
      `sessions' ${indexes.length} indexes rebuilt`,
      async () => {
        for (const ix of indexes) {
          await c.query(ix.indexdef);
          if (ix.conname) await c.query(`ALTER TABLE sessions ADD CONSTRAINT ${ix.conname} PRIMARY KEY USING INDEX ${ix.indexname}`);
        }
      },
      log,
    );
    // What autovacuum would have done by now on a real table: visibility map, planner statistics.
    await step('VACUUM ANALYZE', () => c.query('VACUUM (ANALYZE) users, sessions'), log);
  });
}

/**
 * A Latchkey deployment (its own process and schema) seeded at scale: starts `latchkey serve`
 * with a known secret key (so this process can mint the seeded sessions' refresh tokens: counter
 * 0, MAC under the key the server derives), signs one template user up for real, seeds.
 * LATCHKEY_SESSION_RETENTION defaults to 0 here: the server's own purge must not delete the dead
 * sessions being measured (bench/cleanup.mjs starts a purging process on purpose).
 * @param {{ tag: string, users: number, sessions: number, liveEvery?: number, endedDaysAgo?: number, env?: object, log?: (line: string) => void }} o
 */
export async function seededDeployment(o) {
  const schema = schemaName(o.tag);
  const secretKey = randomBytes(32).toString('base64url');
  const env = { LATCHKEY_SECRET_KEY: secretKey, LATCHKEY_SESSION_RETENTION: '0', ...o.env };
  const server = await startLatchkey({ schema, env });
  try {
    const template = `template-${schema}@example.com`;
    const conn = connection(server.authUrl);
    const res = await conn.request(
      'POST',
      '/auth/v1/signup',
      { 'content-type': 'application/json' },
      JSON.stringify({ email: template, password: SEED_PASSWORD }),
    );
    conn.close();
    if (res.status !== 200) throw new Error(`template sign-up failed: ${res.status} ${res.body}`);
    o.log?.(`seeding ${schema}:`);
    await seedScale(schema, { ...o, template });
  } catch (error) {
    await server.stop();
    await dropSchemas([schema]);
    throw error;
  }
  const refreshKey = deriveKey(secretKey, 'refresh-token-mac');
  return {
    schema,
    secretKey,
    server,
    env,
    /** Refresh tokens of seeded sessions (by number), as issued: counter 0. */
    tokensFor: (numbers) => numbers.map((j) => encodeRefreshToken(refreshKey, { sessionId: seededSessionId(j), counter: 0 })),
    async stop() {
      await server.stop();
      await dropSchemas([schema]);
    },
  };
}

/**
 * Refreshes each token once, 16 at a time, and replaces it with its successor. Seeded pages are
 * packed full, so a session's first rotation cannot be a HOT update: its new row version moves to
 * another page and enters every index. A real table's pages keep room from earlier rotations;
 * after this pass the seeded ones do too, and a measurement sees the steady state.
 */
export async function refreshEach(url, tokens) {
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      const conn = connection(url);
      while (next < tokens.length) {
        const k = next++;
        const r = latchkeyProtocol.request(tokens[k]);
        const res = await conn.request(r.method, r.path, r.headers, r.body);
        tokens[k] = latchkeyProtocol.successor(res.status, res.body) ?? tokens[k];
      }
      conn.close();
    }),
  );
}

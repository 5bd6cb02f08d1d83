#!/usr/bin/env node
/**
 * Latchkey at data scale (issue #17): a deployment with 1 M users and 10 M sessions (90 % dead)
 * against a fresh one, measured in the same run.
 *
 *   node bench/data-scale.mjs [--users 1000000] [--sessions 10000000] [--live-every 10]
 *                             [--concurrency 64] [--seconds 10] [--rounds 2] [--load-sessions 4096]
 *                             [--samples 300] [--first-touch]
 *
 * Seeding is done by Postgres (bench/lib/seed.mjs: generate_series, indexes built afterwards),
 * minutes for the full size. Then, interleaved between the two deployments:
 *
 *   - the refresh load (bench/lib/load.mjs) on --load-sessions live sessions spread evenly over the
 *     whole sessions table (oldest pages to newest, not the most recent rows): req/s, p50, p99;
 *   - one client, --samples requests each: password sign-in (one argon2id verify: its floor is the
 *     hash, not the database), GET /user, GET /user/sessions, GET /admin/users (a random page of
 *     50), GET /admin/users?filter=<an email> (GoTrue's page and substring search, with an exact
 *     X-Total-Count), and the console's keyset listing (?cursor=, two pages) and email-prefix
 *     search (?q=) — p50 / p99.
 *
 * Then the tables' and indexes' sizes (per million sessions) and EXPLAIN (ANALYZE, BUFFERS) of the
 * hot statements — the server's own, taken from its store functions (packages/server/dist) run
 * through a connection that explains instead of executing, inside a transaction rolled back.
 * A sequential scan on users or sessions is flagged.
 *
 * The fresh deployment holds exactly the users and live sessions the load uses. Both servers run
 * with LATCHKEY_SESSION_RETENTION=0, so no purge runs. Use a database of its own
 * (LATCHKEY_BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/latchkey_scale): seeding skips
 * foreign-key triggers (superuser) and the schema is GBs until it is dropped at the end.
 */
import { parseArgs } from 'node:util';
import { findUserByEmail, listUsers } from '../packages/server/dist/store/users.js';
import { findLiveSession, listSessions, purgeDeadSessions, sessionRotations } from '../packages/server/dist/store/sessions.js';
import { connection } from './lib/http1.mjs';
import { assertBuilt, latchkeyProtocol } from './lib/latchkey.mjs';
import { loadResult, mergeRuns } from './lib/load.mjs';
import { measure } from './lib/measure.mjs';
import { postgresVersion, withPg } from './lib/postgres.mjs';
import { int, loadLine, machineLine, ms, ratio, table, usPer } from './lib/report.mjs';
import {
  SEED_PASSWORD,
  liveSessionNumbers,
  refreshEach,
  seededDeployment,
  seededEmail,
  seededSessionId,
  seededUserId,
} from './lib/seed.mjs';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '1000000' },
    sessions: { type: 'string', default: '10000000' },
    'live-every': { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '10' },
    rounds: { type: 'string', default: '2' },
    'load-sessions': { type: 'string', default: '4096' },
    samples: { type: 'string', default: '300' },
    'first-touch': { type: 'boolean', default: false },
  },
});
const users = Number(values.users);
const sessions = Number(values.sessions);
const liveEvery = Number(values['live-every']);
const levels = values.concurrency.split(',').map(Number);
const seconds = Number(values.seconds);
const rounds = Number(values.rounds);
const loadSessions = Number(values['load-sessions']);
const samples = Number(values.samples);
assertBuilt();

console.log('# Data scale: a large deployment vs a fresh one, one run');
console.log(machineLine(`, Postgres ${await postgresVersion()} (same machine)`));
console.log(
  `large: ${int(users)} users, ${int(sessions)} sessions (1 in ${liveEvery} live); load on ${int(loadSessions)} live sessions spread over the table\n`,
);

const log = (line) => console.log(line);
const numbers = liveSessionNumbers(sessions, liveEvery, loadSessions);
const t0 = performance.now();
const large = await seededDeployment({ tag: 'scale', users, sessions, liveEvery, log });
console.log(`  seeded in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
// Fresh: just what the load touches, seeded the same way (every session live, one per user).
const fresh = await seededDeployment({ tag: 'fresh', users: loadSessions, sessions: loadSessions, liveEvery: 1, log });
const deployments = [
  { name: 'large', d: large, tokens: large.tokensFor(numbers), users, userOf: (j) => 1 + ((j - 1) % users) },
  { name: 'fresh', d: fresh, tokens: fresh.tokensFor(numbers.map((_, k) => k + 1)), users: loadSessions, userOf: (j) => j },
];

try {
  if (!values['first-touch']) {
    const t = performance.now();
    for (const x of deployments) await refreshEach(x.d.server.url, x.tokens);
    console.log(`\nevery load session refreshed once before measuring (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  }
  // --- Refresh load, interleaved ---------------------------------------------------------
  const refreshRows = [];
  for (const concurrency of levels) {
    const runs = new Map(deployments.map((x) => [x.name, []]));
    for (let round = 0; round < rounds; round++) {
      for (const x of round % 2 === 0 ? deployments : [...deployments].reverse()) {
        const view = { targets: [x.d.server.url], tokens: x.tokens, pids: [x.d.server.pid], protocol: latchkeyProtocol };
        runs.get(x.name).push(await measure(view, { concurrency, seconds: seconds / rounds }));
      }
    }
    const [l, f] = deployments.map((x) => mergeRuns(runs.get(x.name)));
    const cpu = (name) => {
      const r = runs.get(name);
      return Object.fromEntries(Object.keys(r[0].cpu).map((k) => [k, r.reduce((a, x) => a + x.cpu[k], 0) / r.length]));
    };
    for (const [name, m] of [
      ['large', l],
      ['fresh', f],
    ]) {
      const c = cpu(name);
      refreshRows.push([
        concurrency,
        name,
        int(m.rps),
        ms(m.p50),
        ms(m.p99),
        m.errors,
        name === 'large' ? ratio(l.rps, f.rps) : '—',
        name === 'large' ? ratio(l.p99, f.p99) : '—',
        usPer(c.server, m.rps),
        usPer(c.backends, m.rps),
      ]);
    }
  }
  console.log(`\n## Refresh grant (${loadLine()})`);
  console.log(
    table(
      [
        'clients',
        'deployment',
        'req/s',
        'p50 ms',
        'p99 ms',
        'errors',
        'req/s large/fresh',
        'p99 large/fresh',
        'server µs/req',
        'Postgres µs/req',
      ],
      refreshRows,
    ),
  );

  // --- Other endpoints, one client, interleaved -----------------------------------------------
  const endpoints = [
    'sign-in (password)',
    'GET /user',
    'GET /user/sessions',
    'GET /admin/users (page)',
    'GET /admin/users?filter=email',
    'GET /admin/users?cursor= (keyset, 2 pages)',
    'GET /admin/users?q=<email prefix>',
  ];
  const lat = new Map(deployments.map((x) => [x.name, new Map(endpoints.map((e) => [e, []]))]));
  const errors = new Map(deployments.map((x) => [x.name, 0]));
  const json = { 'content-type': 'application/json' };
  for (let round = 0; round < rounds; round++) {
    for (const x of round % 2 === 0 ? deployments : [...deployments].reverse()) {
      const conn = connection(x.d.server.url);
      const admin = { authorization: `Bearer ${x.d.secretKey}` };
      const timed = async (endpoint, method, path, headers, body) => {
        const t = performance.now();
        const res = await conn.request(method, path, headers, body);
        lat
          .get(x.name)
          .get(endpoint)
          .push(performance.now() - t);
        if (res.status !== 200) {
          errors.set(x.name, errors.get(x.name) + 1);
          if (errors.get(x.name) === 1) console.log(`  ${x.name} ${endpoint}: ${res.status} ${res.body.slice(0, 200)}`);
        }
        return res;
      };
      for (let n = 0; n < samples / rounds; n++) {
        // A user whose sessions are spread like everyone's (the large table: 10 per user).
        const i = 1 + Math.floor(Math.random() * x.users);
        const signIn = await timed(
          'sign-in (password)',
          'POST',
          '/auth/v1/token?grant_type=password',
          json,
          JSON.stringify({ email: seededEmail(i), password: SEED_PASSWORD }),
        );
        const token = JSON.parse(signIn.body).access_token;
        const bearer = { authorization: `Bearer ${token}` };
        await timed('GET /user', 'GET', '/auth/v1/user', bearer);
        await timed('GET /user/sessions', 'GET', '/auth/v1/user/sessions', bearer);
        const page = 1 + Math.floor(Math.random() * Math.min(1000, Math.floor(x.users / 50)));
        await timed('GET /admin/users (page)', 'GET', `/auth/v1/admin/users?page=${page}&per_page=50`, admin);
        const j = 1 + Math.floor(Math.random() * x.users);
        await timed(
          'GET /admin/users?filter=email',
          'GET',
          `/auth/v1/admin/users?per_page=50&filter=${encodeURIComponent(seededEmail(j))}`,
          admin,
        );
        // The console's listing: keyset pages, no total. The first page and the one after it.
        const t = performance.now();
        const first = await conn.request('GET', '/auth/v1/admin/users?per_page=50&cursor=', admin);
        const cursor = JSON.parse(first.body).next_cursor ?? '';
        const second = await conn.request('GET', `/auth/v1/admin/users?per_page=50&cursor=${encodeURIComponent(cursor)}`, admin);
        lat
          .get(x.name)
          .get('GET /admin/users?cursor= (keyset, 2 pages)')
          .push((performance.now() - t) / 2);
        if (first.status !== 200 || second.status !== 200) errors.set(x.name, errors.get(x.name) + 1);
        await timed(
          'GET /admin/users?q=<email prefix>',
          'GET',
          `/auth/v1/admin/users?per_page=50&q=${encodeURIComponent(seededEmail(j).slice(0, 10))}`,
          admin,
        );
      }
      conn.close();
    }
  }
  const rows = [];
  for (const e of endpoints) {
    const [l, f] = deployments.map((x) => loadResult({ latencies: lat.get(x.name).get(e), seconds: 1, errors: 0 }));
    rows.push([e, ms(l.p50), ms(l.p99), ms(f.p50), ms(f.p99), ratio(l.p50, f.p50), l.p50 < 10 ? 'yes' : 'NO']);
  }
  console.log(`\n## Other endpoints, one client, ${samples} requests each (${loadLine()})`);
  console.log(
    table(['endpoint', 'large p50 ms', 'large p99 ms', 'fresh p50 ms', 'fresh p99 ms', 'p50 large/fresh', 'large p50 < 10 ms'], rows),
  );
  console.log(`errors: large ${errors.get('large')}, fresh ${errors.get('fresh')}`);
  console.log('sign-in includes one argon2id verify (m = 19 MiB, t = 2): its floor is the hash, not the database.');

  // --- Sizes --------------------------------------------------------------------------------
  const sizes = await withPg(async (c) => {
    const rel = async (schema, name) =>
      (
        await c.query(
          `SELECT pg_total_relation_size(c.oid) AS total, pg_relation_size(c.oid) AS heap, pg_indexes_size(c.oid) AS indexes, c.reltuples
             FROM pg_class c WHERE c.oid = $1::regclass`,
          [`${schema}.${name}`],
        )
      ).rows[0];
    const idx = async (schema) =>
      (
        await c.query(
          `SELECT t.relname AS table, i.relname AS index, pg_relation_size(i.oid) AS size
             FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
            WHERE t.relnamespace = $1::regnamespace AND t.relname IN ('users', 'sessions') ORDER BY t.relname, i.relname`,
          [schema],
        )
      ).rows;
    return { sessions: await rel(large.schema, 'sessions'), users: await rel(large.schema, 'users'), indexes: await idx(large.schema) };
  });
  const mib = (b) => (Number(b) / 1048576).toFixed(1);
  const perM = (b) => (Number(b) / 1048576 / (sessions / 1e6)).toFixed(1);
  console.log(`\n## Sizes, large deployment (MiB; per million sessions)`);
  console.log(
    table(
      ['relation', 'total', 'heap', 'indexes', 'total per M sessions'],
      [
        ['sessions', mib(sizes.sessions.total), mib(sizes.sessions.heap), mib(sizes.sessions.indexes), perM(sizes.sessions.total)],
        ['users', mib(sizes.users.total), mib(sizes.users.heap), mib(sizes.users.indexes), perM(sizes.users.total)],
      ],
    ),
  );
  console.log(
    table(
      ['table', 'index', 'MiB', 'MiB per M sessions'],
      sizes.indexes.map((r) => [r.table, r.index, mib(r.size), perM(r.size)]),
    ),
  );

  // --- Plans --------------------------------------------------------------------------------
  await withPg(async (c) => {
    await c.query(`SET search_path = ${large.schema}`);
    const plans = [];
    let label = '';
    // The store functions' own statements, explained (and executed: ANALYZE), never committed.
    const explaining = {
      async query(sql, params) {
        const r = await c.query(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`, params);
        plans.push({ label, plan: r.rows.map((row) => row['QUERY PLAN']).join('\n') });
        return [];
      },
    };
    const j = numbers[Math.floor(numbers.length / 2)];
    const sessionId = seededSessionId(j);
    const userId = seededUserId(1 + Math.floor(users / 2));
    const steps = [
      [
        'rotation (refresh grant: the batch statement, one row)',
        () =>
          sessionRotations(explaining, { maxInFlight: 1 }).submit({
            sessionId,
            counter: 1e9,
            now: new Date(),
            createdAfter: null,
            refreshedAfter: null,
            userAgent: 'bench',
            ip: '127.0.0.1',
          }),
      ],
      ['user lookup (password sign-in)', () => findUserByEmail(explaining, seededEmail(1 + Math.floor(users / 3)))],
      ['live session (GET /user, every access-token request)', () => findLiveSession(explaining, sessionId)],
      ['sessions list (GET /user/sessions)', () => listSessions(explaining, userId)],
      ['admin list, a page of 50 (GET /admin/users?page=1000)', () => listUsers(explaining, { page: 1000, perPage: 50 })],
      [
        'admin search by email (GET /admin/users?filter=…)',
        () => listUsers(explaining, { page: 1, perPage: 50, filter: seededEmail(1 + Math.floor(users / 4)) }),
      ],
      [
        'dead-session purge, one batch of 1000 (revoked; then expired by inactivity)',
        () =>
          purgeDeadSessions(
            explaining,
            { retentionSeconds: 604_800, timeboxSeconds: 0, inactivityTimeoutSeconds: 30 * 86_400 },
            new Date(),
            { batchSize: 1000 },
          ),
      ],
    ];
    await c.query('BEGIN');
    try {
      for (const [name, fn] of steps) {
        label = name;
        await fn();
      }
    } finally {
      await c.query('ROLLBACK');
    }
    console.log(`\n## EXPLAIN (ANALYZE, BUFFERS), large deployment`);
    for (const p of plans) {
      const seq = /Seq Scan on (users|sessions)\b/.exec(p.plan);
      console.log(`\n### ${p.label}${seq ? `  — SEQUENTIAL SCAN on ${seq[1]}` : ''}\n\n\`\`\`\n${p.plan}\n\`\`\``);
    }
  });
} finally {
  await large.stop();
  await fresh.stop();
}

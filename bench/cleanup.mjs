#!/usr/bin/env node
/**
 * Refresh latency while the dead-session purge deletes a million rows (issue #17). The peer is
 * the same server and load with no purge running, measured in the same run, before and after.
 *
 *   node bench/cleanup.mjs [--users 100000] [--sessions 1200000] [--live-every 10]
 *                          [--concurrency 64] [--seconds 10] [--load-sessions 4096]
 *
 * bench/lib/seed.mjs writes the sessions (1 in --live-every live, the rest signed out 8 days
 * ago: past the default 7-day LATCHKEY_SESSION_RETENTION). The serving process runs with the
 * purge off (retention 0). Conditions, in this order per level:
 *
 *   without  refreshes only
 *   with     a second `latchkey serve` on the same deployment starts with the default retention,
 *            and its start-up purge deletes every dead session (1,000 rows per statement, under
 *            the advisory lock) while the refreshes run — as one process of a deployment wins
 *            the lock and purges while the others serve
 *   without  again, after the purge finished (autovacuum may now be cleaning up after it)
 *
 * The measured window of `with` is --seconds from the purger's start; the purge's own duration
 * is printed, and a warning if it ended inside the window (then raise --sessions). With several
 * levels, the purge runs once, at the first level; later levels compare against no purge only.
 */
import { parseArgs } from 'node:util';
import { assertBuilt, latchkeyProtocol, startLatchkey } from './lib/latchkey.mjs';
import { mergeRuns } from './lib/load.mjs';
import { measure } from './lib/measure.mjs';
import { postgresVersion, withPg } from './lib/postgres.mjs';
import { int, loadLine, machineLine, ms, pct, ratio, table, usPer } from './lib/report.mjs';
import { liveSessionNumbers, refreshEach, seededDeployment } from './lib/seed.mjs';

const { values } = parseArgs({
  options: {
    users: { type: 'string', default: '100000' },
    sessions: { type: 'string', default: '1200000' },
    'live-every': { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '64' },
    seconds: { type: 'string', default: '10' },
    'load-sessions': { type: 'string', default: '4096' },
  },
});
const users = Number(values.users);
const sessions = Number(values.sessions);
const liveEvery = Number(values['live-every']);
const concurrency = Number(values.concurrency);
const seconds = Number(values.seconds);
const loadSessions = Number(values['load-sessions']);
assertBuilt();

console.log('# Refresh p99 during the dead-session purge, one run');
console.log(machineLine(`, Postgres ${await postgresVersion()} (same machine)`));
const dead = sessions - Math.floor(sessions / liveEvery);
console.log(
  `${int(users)} users, ${int(sessions)} sessions of which ${int(dead)} dead; ${concurrency} clients on ${int(loadSessions)} live sessions\n`,
);

const d = await seededDeployment({ tag: 'cleanup', users, sessions, liveEvery, log: (line) => console.log(line) });
const view = {
  targets: [d.server.url],
  tokens: d.tokensFor(liveSessionNumbers(sessions, liveEvery, loadSessions)),
  pids: [d.server.pid],
  protocol: latchkeyProtocol,
};
const deadLeft = () =>
  withPg(async (c) => Number((await c.query('SELECT count(*) AS n FROM sessions WHERE revoked_at IS NOT NULL')).rows[0].n), d.schema);

let purger;
try {
  // Every load session rotated once first: the steady state, not seeded pages' first moves.
  await refreshEach(d.server.url, view.tokens);
  const before = await measure(view, { concurrency, seconds });

  // The purging process: its start-up purge begins as it starts.
  let purge;
  let windowStart = 0;
  const withPurge = await measure(view, {
    concurrency,
    seconds,
    onStart() {
      windowStart = performance.now();
      // Assigned at once (measure does not await this): the wait below must see it.
      purge = (async () => {
        purger = await startLatchkey({
          schema: d.schema,
          env: { ...d.env, LATCHKEY_SESSION_RETENTION: '604800', LATCHKEY_LOG_LEVEL: 'info' },
        });
        // It purges from the moment it listens; its info log line says when it ended.
        const started = performance.now();
        return new Promise((resolve) => {
          let out = '';
          purger.child.stdout.on('data', (chunk) => {
            out += chunk;
            const line = out.split('\n').find((l) => l.includes('dead sessions deleted'));
            if (line)
              resolve({
                seconds: (performance.now() - started) / 1000,
                inWindow: (performance.now() - windowStart) / 1000,
                ...JSON.parse(line),
              });
          });
        });
      })();
    },
  });
  const done = await Promise.race([purge, new Promise((resolve) => setTimeout(() => resolve(undefined), 600_000))]);
  const left = await deadLeft();
  const after = await measure(view, { concurrency, seconds });

  const without = mergeRuns([before, after]);
  const cpu = (runs) => Object.fromEntries(Object.keys(runs[0].cpu).map((k) => [k, runs.reduce((a, r) => a + r.cpu[k], 0) / runs.length]));
  const row = (name, m, c, vs) => [
    name,
    int(m.rps),
    ms(m.p50),
    ms(m.p99),
    ms(m.max),
    m.errors,
    vs ? ratio(m.p99, vs.p99) : '—',
    vs ? ratio(m.rps, vs.rps) : '—',
    usPer(c.server, m.rps),
    pct(c.postgres),
    pct(c.machine),
  ];
  console.log(`\n## Refresh grant, ${concurrency} clients (${loadLine()})`);
  console.log(
    table(
      [
        'condition',
        'req/s',
        'p50 ms',
        'p99 ms',
        'max ms',
        'errors',
        'p99 vs without',
        'req/s vs without',
        'server µs/req',
        'Postgres CPU',
        'machine',
      ],
      [
        row('without purge (before + after)', without, cpu([before, after])),
        row('  before', before, before.cpu),
        row('  after', after, after.cpu),
        row('during the purge', withPurge, withPurge.cpu, without),
      ],
    ),
  );
  if (!done) console.log('\nthe purge did not finish within 10 minutes');
  else {
    console.log(
      `\npurge: ${int(done.count)} sessions in ${done.statements} statements, ${done.seconds.toFixed(1)} s from the purger's listening (${int(done.count / done.seconds)} rows/s); dead sessions left: ${int(left)}`,
    );
    if (done.inWindow < seconds)
      console.log(`WARNING: the purge ended ${(seconds - done.inWindow).toFixed(1)} s before the measured window did: raise --sessions`);
  }
} finally {
  await purger?.stop();
  await d.stop();
}

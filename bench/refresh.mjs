#!/usr/bin/env node
/**
 * Refresh-grant throughput and latency over HTTP, Latchkey on Postgres (same machine), many
 * sessions, N concurrent keep-alive clients in this (separate) load process.
 *
 *   node bench/refresh.mjs [--concurrency 1,16,64] [--seconds 10] [--processes 1]
 *
 * Needs a built tree (npm install) and Postgres (LATCHKEY_BENCH_DATABASE_URL, default
 * postgres://postgres@127.0.0.1:5432/test). Prints requests/s, p50 and p99 per concurrency.
 * Peers (node-oidc-provider, a naive read-then-write rotation) are added by issue #7.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';

const { values } = parseArgs({
  options: { concurrency: { type: 'string', default: '1,16,64' }, seconds: { type: 'string', default: '10' }, processes: { type: 'string', default: '1' } },
});
const levels = values.concurrency.split(',').map(Number);
const seconds = Number(values.seconds);
const database = process.env.LATCHKEY_BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `lk_bench_${randomBytes(4).toString('hex')}`;
const bin = fileURLToPath(new URL('../packages/server/bin/latchkey.js', import.meta.url));

function startServer() {
  const child = spawn(process.execPath, [bin, 'serve', '--port', '0', '--database', database], {
    env: { ...process.env, LATCHKEY_DB_SCHEMA: schema, LATCHKEY_RATE_LIMITS: 'off', LATCHKEY_LOG_LEVEL: 'warn', LATCHKEY_ISSUER: 'http://bench/auth/v1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c) => {
      out += c;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve({ child, url: `${m[1]}/auth/v1` });
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
}

const agent = new Agent({ keepAlive: true, maxSockets: 256 });
function post(url, body) {
  return new Promise((resolve, reject) => {
    const data = JSON.stringify(body);
    const req = request(url, { method: 'POST', agent, headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) } }, (res) => {
      let text = '';
      res.on('data', (c) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode, body: text ? JSON.parse(text) : undefined }));
    });
    req.on('error', reject);
    req.end(data);
  });
}

const servers = [];
for (let i = 0; i < Number(values.processes); i++) servers.push(await startServer());
// Signing up runs argon2 per user: make the sessions once, in parallel batches.
const sessionCount = Math.max(...levels) * 4;
const tokens = [];
for (let i = 0; i < sessionCount; i += 16) {
  const batch = await Promise.all(
    Array.from({ length: Math.min(16, sessionCount - i) }, (_, j) => post(`${servers[0].url}/signup`, { email: `bench-${i + j}-${schema}@example.com`, password: 'bench password 1' })),
  );
  for (const r of batch) tokens.push(r.body.refresh_token);
}

console.log(`Latchkey refresh grant, Postgres, ${servers.length} process(es), ${sessionCount} sessions, ${seconds}s per level`);
console.log('concurrency  requests/s     p50 ms   p99 ms   errors');
for (const concurrency of levels) {
  const latencies = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, worker) => {
      // Each worker owns its sessions (worker, worker + concurrency, …): one client per session,
      // as in real life; two workers on one session would present stale tokens (reuse).
      let turn = 0;
      while (performance.now() < deadline) {
        const owned = Math.floor(tokens.length / concurrency);
        const slot = worker + (turn++ % owned) * concurrency;
        const server = servers[(worker + slot) % servers.length];
        const start = performance.now();
        try {
          const r = await post(`${server.url}/token?grant_type=refresh_token`, { refresh_token: tokens[slot] });
          if (r.status === 200) tokens[slot] = r.body.refresh_token;
          else errors++;
        } catch {
          errors++;
        }
        latencies.push(performance.now() - start);
      }
    }),
  );
  latencies.sort((a, b) => a - b);
  const pct = (p) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))].toFixed(1);
  console.log(`${String(concurrency).padStart(11)}  ${(latencies.length / seconds).toFixed(0).padStart(10)}  ${pct(0.5).padStart(9)}  ${pct(0.99).padStart(7)}  ${String(errors).padStart(7)}`);
}

for (const s of servers) s.child.kill('SIGTERM');
const client = new pg.Client({ connectionString: database });
await client.connect();
await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
await client.end();
agent.destroy();

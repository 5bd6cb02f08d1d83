#!/usr/bin/env node
/**
 * Access-token verification throughput: @latchkey/verify against its peers, in one run.
 *
 *   npx tsc -b packages/server packages/verify && node bench/verify.mjs
 *
 * A real Latchkey server (in-process, PGlite in memory) issues a set of distinct ES256 access
 * tokens (distinct sessions, and refreshes at distinct times). Each contender verifies the same
 * tokens with the same checks (signature, issuer, audience, exp):
 *
 *   - raw node:crypto: split the token, crypto.verify on the same KeyObject; no claim checks.
 *     The floor any JS verifier stands on.
 *   - @latchkey/verify, cache off, and cache on but every token a miss (cache smaller than the
 *     token set, visited round-robin, so each lookup misses and each insert evicts).
 *   - jose: jwtVerify + createLocalJWKSet (WebCrypto).
 *   - fast-jwt: createVerifier with the PEM public key, cache off.
 * Then one token, presented again and again (what an API sees within one session):
 *   - @latchkey/verify with its verified-token cache, fast-jwt with its cache, jose (no cache).
 *
 * The process pins itself to one CPU (taskset, when available; BENCH_PIN=0 to not): WebCrypto's
 * async verify runs on libuv's thread pool and would otherwise borrow a second core. Each contender runs several
 * rounds, interleaved with the others; the best round counts. Ratios, not absolute numbers, are
 * what carries across machines.
 */
import { spawnSync } from 'node:child_process';
import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { availableParallelism } from 'node:os';

// BENCH_PIN=0 runs unpinned (all cores visible), for comparison.
const pinned = process.env.LATCHKEY_BENCH_CHILD === '1';
if (!pinned && process.env.BENCH_PIN !== '0' && process.platform === 'linux') {
  const child = spawnSync('taskset', ['-c', '0', process.execPath, ...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, LATCHKEY_BENCH_CHILD: '1' },
  });
  if (!child.error) process.exit(child.status ?? 1);
  console.warn('taskset unavailable: running unpinned');
}

const { startTestServer, createFakeClock } = await import('@latchkey/server/testing');
const { createVerifier } = await import('@latchkey/verify');
const { jwtVerify, createLocalJWKSet } = await import('jose');
const { createVerifier: createFastJwtVerifier } = await import('fast-jwt');

const SESSIONS = Number(process.env.BENCH_SESSIONS ?? 32);
const REFRESHES = Number(process.env.BENCH_REFRESHES ?? 31);
const ROUND_MS = Number(process.env.BENCH_ROUND_MS ?? 1000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);

// ---- tokens from a real server -------------------------------------------------------------
// The server's clock starts a minute in the past, so refreshes at distinct (fake) seconds give
// distinct iat/exp and none of the tokens is issued in the verifiers' future.
const clock = createFakeClock(Date.now() - 60_000);
const server = await startTestServer({ clock, config: { jwtExp: 3600 } });
const json = { 'content-type': 'application/json' };
const email = 'bench@example.com';
const password = 'correct horse battery';
await fetch(`${server.authUrl}/signup`, { method: 'POST', headers: json, body: JSON.stringify({ email, password }) });
const sessions = [];
for (let i = 0; i < SESSIONS; i++) {
  const r = await fetch(`${server.authUrl}/token?grant_type=password`, {
    method: 'POST',
    headers: json,
    body: JSON.stringify({ email, password }),
  });
  sessions.push(await r.json());
}
const tokens = sessions.map((s) => s.access_token);
for (let round = 0; round < REFRESHES; round++) {
  clock.advance(1000);
  for (const s of sessions) {
    const r = await fetch(`${server.authUrl}/token?grant_type=refresh_token`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ refresh_token: s.refresh_token }),
    });
    const next = await r.json();
    s.refresh_token = next.refresh_token;
    tokens.push(next.access_token);
  }
}
if (new Set(tokens).size !== tokens.length) throw new Error('tokens are not distinct');
const jwksUrl = `${server.authUrl}/.well-known/jwks.json`;
const jwks = await (await fetch(jwksUrl)).json();
const issuer = server.app.issuer;
const audience = 'authenticated';

// ---- contenders ----------------------------------------------------------------------------
const jwk = jwks.keys[0];
const keyObject = createPublicKey({ key: jwk, format: 'jwk' });
const pem = keyObject.export({ format: 'pem', type: 'spki' }).toString();
const ecdsa = { key: keyObject, dsaEncoding: 'ieee-p1363' };

function raw(token) {
  const dot = token.lastIndexOf('.');
  if (!cryptoVerify('sha256', Buffer.from(token.slice(0, dot), 'latin1'), ecdsa, Buffer.from(token.slice(dot + 1), 'base64url')))
    throw new Error('bad signature');
}

const latchkeyNoCache = createVerifier({ jwksUrl, issuer, audience, cache: false });
const latchkeyMisses = createVerifier({ jwksUrl, issuer, audience, cache: { maxEntries: Math.floor(tokens.length / 2) } });
const latchkeyCached = createVerifier({ jwksUrl, issuer, audience });
// Warm the JWKS caches: the fetch is not what is measured.
await latchkeyNoCache.verify(tokens[0]);
await latchkeyMisses.verify(tokens[0]);
await latchkeyCached.verify(tokens[0]);

const joseKeys = createLocalJWKSet(jwks);
const joseOptions = { issuer, audience, algorithms: ['ES256'] };
const fastJwt = createFastJwtVerifier({ key: pem, algorithms: ['ES256'], allowedIss: issuer, allowedAud: audience, cache: false });
const fastJwtCached = createFastJwtVerifier({ key: pem, algorithms: ['ES256'], allowedIss: issuer, allowedAud: audience, cache: true });

// ---- measurement ---------------------------------------------------------------------------
/** Runs `fn` over `list` round-robin for ROUND_MS; returns ops/s. Awaits only when fn is async. */
async function measure(fn, list, isAsync) {
  // Warm-up: let the JIT settle on this function before timing it.
  for (let i = 0; i < 200; i++) isAsync ? await fn(list[i % list.length]) : fn(list[i % list.length]);
  let ops = 0;
  const start = performance.now();
  const deadline = start + ROUND_MS;
  let now = start;
  while (now < deadline) {
    // Batches of 64 between clock reads.
    for (let i = 0; i < 64; i++, ops++) {
      const token = list[ops % list.length];
      if (isAsync) await fn(token);
      else fn(token);
    }
    now = performance.now();
  }
  return ops / ((now - start) / 1000);
}

const distinct = [
  ['raw node:crypto verify', (t) => raw(t), false],
  ['@latchkey/verify (cache off)', (t) => latchkeyNoCache.verify(t), true],
  ['@latchkey/verify (cache on, all misses)', (t) => latchkeyMisses.verify(t), true],
  ['jose jwtVerify + createLocalJWKSet', (t) => jwtVerify(t, joseKeys, joseOptions), true],
  ['fast-jwt (cache off)', (t) => fastJwt(t), false],
];
const repeated = [
  ['@latchkey/verify (cache on)', (t) => latchkeyCached.verify(t), true],
  ['fast-jwt (cache on)', (t) => fastJwtCached(t), false],
  ['jose (no cache)', (t) => jwtVerify(t, joseKeys, joseOptions), true],
];

async function run(contenders, list) {
  const best = new Map();
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, fn, isAsync] of contenders) best.set(name, Math.max(best.get(name) ?? 0, await measure(fn, list, isAsync)));
  }
  return best;
}

const fmt = (n) => Math.round(n).toLocaleString('en-US').padStart(12);
const ratio = (a, b) => `${(a / b).toFixed(2)}×`.padStart(8);

console.log(
  `node ${process.version}, ${pinned ? 'pinned to CPU 0' : 'unpinned'} (${availableParallelism()} visible), ${ROUNDS} rounds × ${ROUND_MS} ms, best round`,
);
console.log(`${tokens.length} distinct ES256 access tokens from a real Latchkey server (${SESSIONS} sessions × ${REFRESHES + 1} issues)\n`);

const d = await run(distinct, tokens);
const rawOps = d.get('raw node:crypto verify');
const joseOps = d.get('jose jwtVerify + createLocalJWKSet');
console.log('distinct tokens'.padEnd(42), 'ops/s'.padStart(12), 'vs raw'.padStart(8), 'vs jose'.padStart(8));
for (const [name, ops] of d) console.log(name.padEnd(42), fmt(ops), ratio(ops, rawOps), ratio(ops, joseOps));

const one = [tokens[tokens.length - 1]];
const r = await run(repeated, one);
const joseRepeated = r.get('jose (no cache)');
console.log(`\n${'one token, repeated'.padEnd(42)} ${'ops/s'.padStart(12)} ${'vs raw'.padStart(8)} ${'vs jose'.padStart(8)}`);
for (const [name, ops] of r) console.log(name.padEnd(42), fmt(ops), ratio(ops, rawOps), ratio(ops, joseRepeated));

const ours = d.get('@latchkey/verify (cache off)');
const oursCached = r.get('@latchkey/verify (cache on)');
console.log('\ntargets (issue 3):');
console.log(`  distinct, cache off  ≥ 0.9 × raw : ${(ours / rawOps).toFixed(2)} ${ours / rawOps >= 0.9 ? 'met' : 'NOT met'}`);
console.log(`  distinct, cache off  ≥ 2 × jose  : ${(ours / joseOps).toFixed(2)} ${ours / joseOps >= 2 ? 'met' : 'NOT met'}`);
console.log(
  `  repeated token       ≥ 500k/s    : ${Math.round(oursCached).toLocaleString('en-US')} ${oursCached >= 500_000 ? 'met' : 'NOT met'}`,
);
await server.close();

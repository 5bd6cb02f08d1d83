#!/usr/bin/env node
/**
 * Client burst: how many refresh requests do 100 parallel authenticated fetches cause once the
 * access token has expired? `@latchkey/client` must send 1; the peer, a naive client that
 * refreshes on every 401 (what most hand-written fetch wrappers do), sends 100.
 *
 *   node bench/client-burst.mjs [--parallel 100]
 *
 * Setup: a Latchkey server on Postgres with 2-second access tokens (LATCHKEY_JWT_EXP=2), and an
 * API in this process that accepts a request only with a valid, unexpired access token (jose,
 * against Latchkey's JWKS). Each client signs in, the token is left to expire (2.5 s of real
 * time: server, API and client all agree it has expired), then fires --parallel fetches at once.
 * Refresh requests are counted by the client's `fetch` (a counting wrapper) and cross-checked with
 * the server's `latchkey_refreshes_total` metric.
 *
 * Scenarios for @latchkey/client:
 *   expired      the client's clock knows the token expired: it refreshes before sending
 *   401 path     the client's clock is stopped at sign-in, so only the API's 401s tell it
 *                (exercises refresh-on-401 with the stale-token check)
 */
import { parseArgs } from 'node:util';
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { assertBuilt, ISSUER, PASSWORD, emailFor, secretKeyFor, signUpSessions, startLatchkey } from './lib/latchkey.mjs';
import { dropSchemas, schemaName } from './lib/postgres.mjs';
import { machineLine, ratio, table } from './lib/report.mjs';

const { values } = parseArgs({ options: { parallel: { type: 'string', default: '100' } } });
const parallel = Number(values.parallel);
assertBuilt();

const CLIENT_DIST = fileURLToPath(new URL('../packages/client/dist/index.js', import.meta.url));
let clientModule;
if (existsSync(CLIENT_DIST)) {
  try {
    clientModule = await import(CLIENT_DIST);
    if (typeof clientModule.createClient !== 'function') clientModule = undefined;
  } catch (error) {
    console.warn(`@latchkey/client did not load (${error.message}): only the naive client runs.`);
  }
}

const EXP = 2;
const schema = schemaName('burst');
const server = await startLatchkey({ schema, env: { LATCHKEY_JWT_EXP: String(EXP) } });
const secret = await secretKeyFor(schema);
await signUpSessions(server.authUrl, 3, schema, 3);

// --- the API: 200 with a valid access token, 401 otherwise -------------------------------------
const jwks = createLocalJWKSet(await (await fetch(`${server.authUrl}/.well-known/jwks.json`)).json());
const api = createServer(async (req, res) => {
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
  let ok = false;
  if (token)
    ok = await jwtVerify(token, jwks, { issuer: ISSUER, audience: 'authenticated' }).then(
      () => true,
      () => false,
    );
  res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
  res.end(ok ? '{"ok":true}' : '{"error":"invalid_token"}');
});
await new Promise((r) => api.listen(0, '127.0.0.1', r));
const apiUrl = `http://127.0.0.1:${api.address().port}/notes`;

async function refreshMetric() {
  const text = await (await fetch(`${server.authUrl}/metrics`, { headers: { authorization: `Bearer ${secret}` } })).text();
  let n = 0;
  for (const line of text.split('\n')) if (line.startsWith('latchkey_refreshes_total')) n += Number(line.split(' ').at(-1));
  return n;
}

/** A fetch that counts the refresh requests going through it. */
function countingFetch() {
  const counter = { refreshes: 0 };
  counter.fetch = (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    if (url.includes('grant_type=refresh_token')) counter.refreshes++;
    return fetch(input, init);
  };
  return counter;
}

const wait = (ms) => new Promise((r) => setTimeout(r, ms));

async function burst(fire) {
  const before = await refreshMetric();
  const answers = await Promise.all(Array.from({ length: parallel }, fire));
  const after = await refreshMetric();
  const ok = answers.filter((s) => s === 200).length;
  return { ok, serverRefreshes: after - before };
}

/** @latchkey/client: sign in, let the token expire, fire the burst through auth.fetch. */
async function latchkeyClient(userIndex, stopClock) {
  const counter = countingFetch();
  let frozen;
  const clock = stopClock ? { now: () => (frozen ??= Date.now()) } : undefined;
  const auth = clientModule.createClient({
    url: server.authUrl,
    fetch: counter.fetch,
    autoRefresh: false,
    ...(clientModule.memoryStorage ? { storage: clientModule.memoryStorage() } : {}),
    ...(clock ? { clock } : {}),
  });
  const { error } = await auth.signInWithPassword({ email: emailFor(schema, userIndex), password: PASSWORD });
  if (error) throw new Error(`sign-in failed: ${error.code}`);
  await wait(EXP * 1000 + 500);
  const r = await burst(async () => (await auth.fetch(apiUrl)).status);
  auth.dispose?.();
  return { ...r, clientRefreshes: counter.refreshes };
}

/** The naive client: on a 401, refresh with the refresh token it holds, retry once. */
async function naiveClient(userIndex) {
  const counter = countingFetch();
  const signIn = await counter.fetch(`${server.authUrl}/token?grant_type=password`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: emailFor(schema, userIndex), password: PASSWORD }),
  });
  let session = await signIn.json();
  const refreshAnswers = {};
  await wait(EXP * 1000 + 500);
  const r = await burst(async () => {
    const first = await counter.fetch(apiUrl, { headers: { authorization: `Bearer ${session.access_token}` } });
    if (first.status !== 401) return first.status;
    const refreshed = await counter.fetch(`${server.authUrl}/token?grant_type=refresh_token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refresh_token: session.refresh_token }),
    });
    const body = await refreshed.json();
    const key = refreshed.status === 200 ? '200' : `${refreshed.status} ${body.error_code ?? body.code}`;
    refreshAnswers[key] = (refreshAnswers[key] ?? 0) + 1;
    if (refreshed.status !== 200) return refreshed.status;
    session = body;
    return (await counter.fetch(apiUrl, { headers: { authorization: `Bearer ${session.access_token}` } })).status;
  });
  return { ...r, clientRefreshes: counter.refreshes, refreshAnswers };
}

try {
  console.log(`# Client burst: ${parallel} parallel authenticated fetches after the access token expired`);
  console.log(machineLine());
  const rows = [];
  const naive = await naiveClient(0);
  let lk;
  if (clientModule) {
    lk = await latchkeyClient(1, false);
    const lk401 = await latchkeyClient(2, true);
    rows.push([
      '@latchkey/client — expired',
      lk.clientRefreshes,
      lk.serverRefreshes,
      `${lk.ok}/${parallel}`,
      ratio(naive.clientRefreshes, lk.clientRefreshes),
    ]);
    rows.push([
      '@latchkey/client — 401 path',
      lk401.clientRefreshes,
      lk401.serverRefreshes,
      `${lk401.ok}/${parallel}`,
      ratio(naive.clientRefreshes, lk401.clientRefreshes),
    ]);
  } else {
    // TODO(issue #7): @latchkey/client (packages/client/dist/index.js with createClient) was not
    // available; build it (npx tsc -b packages/client) and rerun for the Latchkey half.
    rows.push(['@latchkey/client', 'TODO: not built', '', '', '']);
  }
  rows.push(['naive client (refresh on every 401)', naive.clientRefreshes, naive.serverRefreshes, `${naive.ok}/${parallel}`, '—']);
  console.log(
    table(['client', 'refresh requests (client)', 'successful refreshes (server metric)', 'fetches answered 200', 'naive/this'], rows),
  );
  if (lk)
    console.log(
      `\n@latchkey/client: ${lk.clientRefreshes === 1 ? 'one refresh for the whole burst (target met)' : `${lk.clientRefreshes} refreshes (target: 1) — MISSED`}`,
    );
  console.log(
    `naive client's refresh answers: ${Object.entries(naive.refreshAnswers)
      .map(([k, n]) => `${n}× ${k}`)
      .join(', ')}`,
  );
  console.log(
    '  (a refresh that starts after an earlier one has stored its result presents the newer token and rotates again; the\n' +
      '   stragglers still holding the first token are then two generations behind: reuse, and the session is revoked)',
  );
} finally {
  api.close();
  await server.stop();
  await dropSchemas([schema]);
}

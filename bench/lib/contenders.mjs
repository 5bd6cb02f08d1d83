/**
 * The refresh contenders, each started as its own server process, seeded with `sessions`
 * sessions, and described by one uniform object:
 *
 *   { name, targets: [base URL…], pids, schema, tokens: [refresh token per session],
 *     protocol: { request(token), successor(status, body), health }, rssAtStart (MiB), stop() }
 *
 *   latchkey     `latchkey serve` on Postgres (sessions made by real sign-ups)
 *   latchkey-async-commit  the same with LATCHKEY_DB_SYNCHRONOUS_COMMIT=off (issue #12: a crash can
 *                lose the last rotations, and the tokens ahead of the database are accepted)
 *   latchkey-baseline  the build whose bin/latchkey.js LATCHKEY_BENCH_BASELINE names (e.g. an earlier
 *                commit in a git worktree, built): what a change bought, measured in one run
 *   oidc-pg      node-oidc-provider, rotation on, ES256 JWT access tokens, Postgres adapter
 *   oidc-memory  the same on its in-memory adapter (no database)
 *   naive        read-then-write rotation on Postgres (bench/peers/naive.mjs)
 *   sign-only    a ceiling, not a peer: HTTP + one ES256 signature, no storage (bench/peers/sign-only.mjs)
 */
import { fork } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { ISSUER, latchkeyProtocol, rssMiB, signUpSessions, startLatchkey } from './latchkey.mjs';
import { schemaName } from './postgres.mjs';

const PEERS = fileURLToPath(new URL('../peers/', import.meta.url));

/** Forks a peer server and waits for its `ready` message. */
export function forkPeer(file, args, nodeArgs = []) {
  const child = fork(`${PEERS}${file}`, args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: nodeArgs });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${file} exited ${code} before it was ready`)));
    child.once('message', (msg) => {
      if (msg.type !== 'ready') return reject(new Error(`unexpected message ${JSON.stringify(msg)}`));
      resolve({
        child,
        pid: child.pid,
        url: msg.url,
        seed: (count) =>
          new Promise((res) => {
            const onMessage = (m) => {
              if (m.type === 'seeded') {
                child.off('message', onMessage);
                res(m.tokens);
              }
            };
            child.on('message', onMessage);
            child.send({ type: 'seed', count });
          }),
        async stop() {
          if (child.exitCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}

const REFRESH_RE = /"refresh_token":"([^"]+)"/;

/** RSS of a process that just started, after half a second of quiet (bench/memory.mjs). */
async function settledRss(pid) {
  await new Promise((r) => setTimeout(r, 500));
  return rssMiB(pid);
}

const oidcProtocol = {
  request: (token) => ({
    method: 'POST',
    path: '/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: `grant_type=refresh_token&client_id=bench&refresh_token=${token}`,
  }),
  successor: (status, body) => (status === 200 ? REFRESH_RE.exec(body)?.[1] : undefined),
  health: '/.well-known/openid-configuration',
};

const naiveProtocol = {
  request: (token) => ({
    method: 'POST',
    path: '/token?grant_type=refresh_token',
    headers: { 'content-type': 'application/json' },
    body: `{"refresh_token":"${token}"}`,
  }),
  successor: (status, body) => (status === 200 ? REFRESH_RE.exec(body)?.[1] : undefined),
  health: '/health',
};

export const CONTENDERS = {
  latchkey: { label: 'Latchkey (Postgres)' },
  'latchkey-async-commit': { label: 'Latchkey, synchronous_commit off' },
  'latchkey-baseline': { label: 'Latchkey, baseline build (LATCHKEY_BENCH_BASELINE)' },
  'oidc-pg': { label: 'node-oidc-provider (Postgres adapter)' },
  'oidc-memory': { label: 'node-oidc-provider (in-memory)' },
  naive: { label: 'naive read-then-write (Postgres)' },
  'sign-only': { label: 'ceiling: HTTP + ES256 sign, no storage' },
};

/**
 * @param {'latchkey'|'oidc-pg'|'oidc-memory'|'naive'} name
 * @param {{ sessions: number, poolSize?: number, processes?: number, env?: object, nodeArgs?: string[], database?: string, label?: string }} o
 *   database: another URL for the same Postgres (bench/profile.mjs puts a counting proxy there)
 */
export async function startContender(name, { sessions, poolSize = 16, processes = 1, env = {}, nodeArgs = [], database, label }) {
  const base = { name, label: label ?? CONTENDERS[name].label };
  const dbArgs = database ? ['--database', database] : [];
  if (name === 'latchkey' || name === 'latchkey-async-commit' || name === 'latchkey-baseline') {
    if (name === 'latchkey-async-commit') env = { ...env, LATCHKEY_DB_SYNCHRONOUS_COMMIT: 'off' };
    const bin = name === 'latchkey-baseline' ? process.env.LATCHKEY_BENCH_BASELINE : undefined;
    if (name === 'latchkey-baseline' && !bin) throw new Error('latchkey-baseline needs LATCHKEY_BENCH_BASELINE=<checkout>/packages/server/bin/latchkey.js');
    const schema = schemaName('lk');
    // The first process migrates and generates the keys; the others join the same deployment.
    const first = await startLatchkey({ schema, poolSize, env, nodeArgs, database, bin });
    const rest = await Promise.all(
      Array.from({ length: processes - 1 }, () => startLatchkey({ schema, poolSize, env, nodeArgs, database, bin })),
    );
    const servers = [first, ...rest];
    const rssAtStart = await settledRss(first.pid);
    const signedUp = await signUpSessions(first.authUrl, sessions, schema);
    return {
      ...base,
      schema,
      servers,
      issuer: ISSUER,
      targets: servers.map((s) => s.url),
      pids: servers.map((s) => s.pid),
      tokens: signedUp.map((s) => s.refresh_token),
      rssAtStart,
      protocol: latchkeyProtocol,
      stop: () => Promise.all(servers.map((s) => s.stop())),
    };
  }
  if (name === 'oidc-pg' || name === 'oidc-memory') {
    const schema = name === 'oidc-pg' ? schemaName('oidc') : undefined;
    const args = name === 'oidc-pg' ? ['--adapter', 'postgres', '--schema', schema, '--pool', String(poolSize)] : ['--adapter', 'memory'];
    const peer = await forkPeer('oidc.mjs', [...args, ...dbArgs], nodeArgs);
    const rssAtStart = await settledRss(peer.pid);
    const tokens = await peer.seed(sessions);
    return { ...base, schema, rssAtStart, targets: [peer.url], pids: [peer.pid], tokens, protocol: oidcProtocol, stop: peer.stop };
  }
  if (name === 'naive') {
    const schema = schemaName('naive');
    const peer = await forkPeer('naive.mjs', ['--schema', schema, '--pool', String(poolSize), ...dbArgs], nodeArgs);
    const rssAtStart = await settledRss(peer.pid);
    const tokens = await peer.seed(sessions);
    return { ...base, schema, rssAtStart, targets: [peer.url], pids: [peer.pid], tokens, protocol: naiveProtocol, stop: peer.stop };
  }
  if (name === 'sign-only') {
    const peer = await forkPeer('sign-only.mjs', [], nodeArgs);
    const rssAtStart = await settledRss(peer.pid);
    const tokens = await peer.seed(sessions);
    return { ...base, rssAtStart, targets: [peer.url], pids: [peer.pid], tokens, protocol: naiveProtocol, stop: peer.stop, ceiling: true };
  }
  throw new Error(`unknown contender ${name}`);
}

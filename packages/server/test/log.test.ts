/** Logs are JSON lines with request ids; no token, password, hash or key ever reaches them. */
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';
import { createLogger } from '../src/log.js';
import { startTestServer } from '../src/testing.js';
import { call, refresh, signUp, uniqueEmail } from './helpers.js';

it('a session’s whole life leaves no secret in the log', async () => {
  const lines: string[] = [];
  const server = await startTestServer({
    logger: createLogger('info', (line) => void lines.push(line)),
    config: { refreshReuseInterval: 1 },
  });
  try {
    const email = uniqueEmail();
    const password = 'a very secret password';
    const session = await signUp(server, email, password);
    await call(server.authUrl, 'POST', '/token?grant_type=password', { body: { email, password: 'wrong guess 123' } });
    const rotated = await refresh(server.authUrl, session.refresh_token);
    server.clock.advance(2_000);
    await refresh(server.authUrl, session.refresh_token); // reuse: a warning line
    await call(server.authUrl, 'GET', '/admin/users', { token: server.secretKey });
    await call(server.authUrl, 'GET', '/user', { token: rotated.body.access_token });

    const hashes = await server.app.db.query<{ encrypted_password: string }>('SELECT encrypted_password FROM users');
    const secrets = [
      password,
      'wrong guess 123',
      session.refresh_token,
      session.access_token,
      rotated.body.refresh_token,
      server.secretKey,
      hashes[0]!.encrypted_password,
    ];
    const text = lines.join('');
    for (const secret of secrets) expect(text).not.toContain(secret);

    const parsed = lines.map((line) => JSON.parse(line));
    const requests = parsed.filter((l) => l.msg === 'request');
    expect(requests.length).toBeGreaterThanOrEqual(6);
    for (const r of requests)
      expect(r).toMatchObject({ req_id: expect.any(String), route: expect.any(String), status: expect.any(Number) });
    expect(parsed.find((l) => l.msg.includes('reuse detected'))).toMatchObject({ level: 'warn', session_id: expect.any(String) });
  } finally {
    await server.close();
  }
});

it('lines logged in one event-loop turn reach stdout in one write, in order', async () => {
  const writes: string[] = [];
  const original = process.stdout.write;
  // stdout is the boundary here: record what reaches it instead of printing it.
  process.stdout.write = ((chunk: string) => {
    writes.push(chunk);
    return true;
  }) as typeof process.stdout.write;
  try {
    const log = createLogger('info');
    log.info('first', { n: 1 });
    log.warn('second', { n: 2 });
    log.error('third', { n: 3 });
    expect(writes).toEqual([]);
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(1);
    const lines = writes[0]!
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(lines.map((l) => [l.level, l.msg, l.n])).toEqual([
      ['info', 'first', 1],
      ['warn', 'second', 2],
      ['error', 'third', 3],
    ]);
    log.info('next turn');
    await new Promise((resolve) => setImmediate(resolve));
    expect(writes).toHaveLength(2);
  } finally {
    process.stdout.write = original;
  }
});

it('what is pending when the process exits is still written', () => {
  // The built module, in a process of its own that exits in the same turn it logs.
  const log = new URL('../dist/log.js', import.meta.url).href;
  const child = spawnSync(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { createLogger } from ${JSON.stringify(log)}; createLogger('info').info('last words'); process.exit(3);`,
    ],
    { encoding: 'utf8' },
  );
  expect(child.status).toBe(3);
  expect(JSON.parse(child.stdout.trim()).msg).toBe('last words');
});

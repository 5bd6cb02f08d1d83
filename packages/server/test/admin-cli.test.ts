/** The operator commands against a running server: users, sessions, keys, audit. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { generateKeyPairSync } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { call, refresh, signUp, uniqueEmail } from './helpers.js';
import { runCli, startProcess, type ServerProcess } from './spawn.js';

let cwd: string;
let server: ServerProcess;
const cli = (args: string[], input?: string) => runCli([...args, '--url', server.url, '--database', './data'], {}, cwd, input);

beforeAll(async () => {
  cwd = mkdtempSync(join(tmpdir(), 'latchkey-admin-cli-'));
  server = await startProcess({}, ['--database', './data'], cwd);
});
afterAll(async () => {
  await server?.stop();
  rmSync(cwd, { recursive: true, force: true });
});

describe('latchkey users / sessions / audit', () => {
  it('creates a user (password from stdin), lists it, ends its sessions, audits it, bans and deletes it', async () => {
    const email = uniqueEmail('cli');
    const created = await cli(['users', 'create', '--email', email, '--password-stdin', '--confirm', '--json'], 'cli password 123\n');
    expect(created.code).toBe(0);
    const id = JSON.parse(created.stdout).id;

    const signedIn = await call(server.authUrl, 'POST', '/token?grant_type=password', { body: { email, password: 'cli password 123' } });
    expect(signedIn.status).toBe(200);

    const list = await cli(['users', 'list', '--per-page', '1000']);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(email);
    expect(list.stdout.split('\n')[0]).toMatch(/^id\s+email/);

    const sessions = await cli(['sessions', 'list', '--user', id, '--json']);
    expect(JSON.parse(sessions.stdout).sessions).toHaveLength(1);
    const revoked = await cli(['sessions', 'revoke', '--user', id]);
    expect(revoked.stdout).toContain('ended 1 session');
    expect((await refresh(server.authUrl, signedIn.body.refresh_token)).status).toBe(400);

    const audit = await cli(['audit', '--user', id, '--json']);
    const types = JSON.parse(audit.stdout).entries.map((e: { type: string }) => e.type);
    expect(types).toEqual(expect.arrayContaining(['user_created', 'login', 'session_revoked']));

    const banned = await cli(['users', 'ban', id, '--duration', '1h']);
    expect(banned.code).toBe(0);
    expect(banned.stdout).toMatch(/banned/);
    const deleted = await cli(['users', 'delete', id]);
    expect(deleted.code).toBe(0);
    const again = await cli(['users', 'delete', id]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toContain('user_not_found');
  });

  it('revokes one session by id', async () => {
    const session = await signUp(server);
    const listed = JSON.parse((await cli(['sessions', 'list', '--user', session.user.id, '--json'])).stdout).sessions;
    expect((await cli(['sessions', 'revoke', listed[0].id])).code).toBe(0);
    expect((await call(server.authUrl, 'GET', '/user', { token: session.access_token })).status).toBe(403);
  });
});

describe('latchkey keys', () => {
  it('lists, refuses an early rotation, rotates with --force, imports a key file', async () => {
    const list = await cli(['keys', 'list', '--json']);
    expect(
      JSON.parse(list.stdout)
        .keys.map((k: { state: string }) => k.state)
        .sort(),
    ).toEqual(['current', 'standby']);
    const early = await cli(['keys', 'rotate']);
    expect(early.code).toBe(2);
    expect(early.stderr).toContain('key_not_ready');
    const forced = await cli(['keys', 'rotate', '--force']);
    expect(forced.code).toBe(0);
    expect(forced.stdout).toMatch(/now signs/);

    const file = join(cwd, 'key.pem');
    writeFileSync(file, generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }));
    const imported = await cli(['keys', 'import', file]);
    expect(imported.code).toBe(0);
    expect((await cli(['keys', 'import', join(cwd, 'missing.pem')])).stderr).toContain('cannot read');
  });
});

describe('bad input', () => {
  it('is a one-line error and a non-zero exit', async () => {
    for (const args of [['users', 'frobnicate'], ['users'], ['users', 'delete'], ['sessions', 'list'], ['keys', 'retire']]) {
      const { code, stderr } = await cli(args);
      expect(code).toBe(2);
      expect(stderr).toMatch(/^latchkey: /);
      expect(stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('an unreachable server is named in the error', async () => {
    const { code, stderr } = await runCli(['users', 'list', '--url', 'http://127.0.0.1:1', '--database', './data'], {}, cwd);
    expect(code).toBe(2);
    expect(stderr).toMatch(/cannot reach the server at http:\/\/127.0.0.1:1/);
  });

  it('each command has --help', async () => {
    for (const group of ['users', 'sessions', 'keys', 'audit', 'outbox']) {
      const { code, stdout } = await runCli([group, '--help']);
      expect(code).toBe(0);
      expect(stdout).toContain(`latchkey ${group}`);
    }
  });
});

describe('latchkey outbox (the dev outbox: no SMTP server configured)', () => {
  let dev: ServerProcess;
  let devCwd: string;
  const outbox = (args: string[]) => runCli(['outbox', ...args, '--url', dev.url, '--database', './data'], {}, devCwd);
  beforeAll(async () => {
    devCwd = mkdtempSync(join(tmpdir(), 'latchkey-outbox-cli-'));
    dev = await startProcess({ LATCHKEY_LOG_LEVEL: 'info' }, ['--database', './data'], devCwd);
  });
  afterAll(async () => {
    await dev?.stop();
    rmSync(devCwd, { recursive: true, force: true });
  });

  it('serve says where mail goes; a magic link lands in the outbox, is logged with its link, and `outbox --to` shows the link and code', async () => {
    expect(dev.output()).toContain('mail:      dev outbox');
    const email = uniqueEmail('outbox');
    expect((await call(dev.authUrl, 'POST', '/otp', { body: { email } })).status).toBe(200);
    const listed = await outbox(['--to', email]);
    expect(listed.code).toBe(0);
    const link = /link:\s+(\S+)/.exec(listed.stdout)?.[1];
    const code = /code:\s+(\d{6})/.exec(listed.stdout)?.[1];
    expect(listed.stdout).toContain(`to ${email}  (magic_link)`);
    expect(link).toMatch(/\/auth\/v1\/verify\?token=[0-9a-f]{64}&type=magiclink&redirect_to=/);
    expect(code).toBeTruthy();
    // The log line announced it with the same link.
    const logged = dev
      .output()
      .split('\n')
      .filter((line) => line.includes('dev outbox') && line.includes(email));
    expect(logged).toHaveLength(1);
    expect(JSON.parse(logged[0]!).link).toBe(link);
    // Following the link signs in.
    const landed = await fetch(link!, { redirect: 'manual' });
    expect(landed.status).toBe(303);
    expect(landed.headers.get('location')).toContain('#access_token=');
    const json = JSON.parse((await outbox(['--to', email, '--json'])).stdout);
    expect(json.transport).toBe('outbox');
    expect(json.messages[0]).toMatchObject({ to: email, kind: 'magic_link', link, code });
    expect((await outbox(['--to', uniqueEmail('none')])).stdout.trim()).toBe('(the dev outbox is empty)');
  });
});

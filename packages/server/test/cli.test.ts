/** The `latchkey` command as users run it: help, bad input, migrate, api-keys, serve and SIGTERM. */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SETTINGS } from '../src/config.js';
import { call, signUp } from './helpers.js';
import { runCli, startProcess } from './spawn.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'latchkey-cli-'));
  dirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('latchkey CLI', () => {
  it('serve --help documents every flag and environment variable', async () => {
    const { code, stdout } = await runCli(['serve', '--help']);
    expect(code).toBe(0);
    for (const s of SETTINGS) {
      expect(stdout).toContain(s.env);
      if ('flag' in s && s.flag) expect(stdout).toContain(`--${s.flag}`);
    }
  });

  it('bad input is one line on stderr and exit code 2', async () => {
    for (const [args, env, pattern] of [
      [['serve', '--port', 'eighty'], {}, /--port must be/],
      [['serve'], { LATCHKEY_JWT_EXP: '-5' }, /LATCHKEY_JWT_EXP must be/],
      [['serve'], { LATCHKEY_REUSE_REVOKES: 'everyone' }, /LATCHKEY_REUSE_REVOKES must be one of session, user/],
      [['serve', '--bogus'], {}, /Unknown option/],
      [['frobnicate'], {}, /unknown command "frobnicate"/],
    ] as const) {
      const { code, stderr } = await runCli([...args], { ...env });
      expect(code).toBe(2);
      expect(stderr).toMatch(pattern);
      expect(stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it('migrate, then api-keys; the keys are the ones the server then uses', async () => {
    const cwd = tempDir();
    const migrated = await runCli(['migrate', '--database', './data'], {}, cwd);
    expect(migrated.code).toBe(0);
    expect(migrated.stdout).toContain('applied migrations 1');
    expect((await runCli(['migrate', '--database', './data'], {}, cwd)).stdout).toContain('up to date');

    const keys = await runCli(['api-keys', '--json', '--database', './data'], {}, cwd);
    expect(keys.code).toBe(0);
    const { publishable_key, secret_key } = JSON.parse(keys.stdout);
    expect(publishable_key).toMatch(/^lk_publishable_/);
    expect(secret_key).toMatch(/^lk_secret_/);
    // The file holding the admin secret is readable by its owner only.
    expect(statSync(join(cwd, 'data', 'settings.json')).mode & 0o077).toBe(0);

    const server = await startProcess({}, ['--database', './data'], cwd);
    try {
      expect(server.output()).toContain('api-keys');
      // The console's URL beside the API's.
      expect(server.output()).toContain(`console:   ${server.url}/console`);
      expect(server.output()).not.toContain(secret_key);
      expect((await call(server.authUrl, 'GET', '/admin/users', { token: secret_key })).status).toBe(200);
      // A second server on the same embedded directory is refused, not allowed to corrupt it.
      const second = await runCli(['serve', '--port', '0', '--database', './data'], {}, cwd);
      expect(second.code).toBe(2);
      expect(second.stderr).toMatch(/another latchkey .* is serving/);
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('SIGTERM drains an in-flight request, then exits 0', async () => {
    const cwd = tempDir();
    const server = await startProcess({}, ['--database', 'memory'], cwd);
    const session = await signUp(server);
    // Start a request and hold its body back, so it is in flight when SIGTERM arrives.
    const url = new URL(`${server.authUrl}/token?grant_type=refresh_token`);
    const reply = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.write('{"refresh_token":');
      setTimeout(() => {
        server.child.kill('SIGTERM');
        setTimeout(() => req.end(`"${session.refresh_token}"}`), 300);
      }, 200);
    });
    const { status, body } = await reply;
    expect(status).toBe(200);
    expect(JSON.parse(body).refresh_token).toBeTruthy();
    expect(await server.exited).toBe(0);
  });
});

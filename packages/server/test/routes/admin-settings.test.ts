/** GET /admin/settings: every setting, its source, secrets masked. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { SETTINGS } from '../../src/config.js';
import { startTestServer, type TestServer } from '../../src/testing.js';
import { call } from '../helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startTestServer({
    config: { secretKey: 'lk_secret_settings_test_0123456789', smtpPass: 'hunter2-smtp', jwtExp: 120 },
  });
});
afterAll(() => server?.close());

it('lists every setting with its source and masks secrets', async () => {
  const reply = await call(server.authUrl, 'GET', '/admin/settings', { token: server.secretKey });
  expect(reply.status).toBe(200);
  const settings = reply.body.settings as { key: string; env: string; value: unknown; source: string }[];
  expect(settings.map((s) => s.env)).toEqual(SETTINGS.map((s) => s.env));
  const byKey = Object.fromEntries(settings.map((s) => [s.key, s]));
  expect(byKey.jwtExp).toMatchObject({ value: 120, source: 'program' });
  expect(byKey.refreshReuseInterval).toMatchObject({ value: 10, source: 'default' });
  const text = JSON.stringify(reply.body);
  expect(text).not.toContain('lk_secret_settings_test_0123456789');
  expect(text).not.toContain('hunter2-smtp');
  expect(byKey.smtpPass?.value).toBe('••••••••');
});

it('the CLI reports flags and environment as their sources', async () => {
  const { resolveConfigWithSources } = await import('../../src/config.js');
  const { sources } = resolveConfigWithSources({ port: '1234' }, { LATCHKEY_JWT_EXP: '60' });
  expect(sources.port).toBe('flag');
  expect(sources.jwtExp).toBe('environment');
  expect(sources.host).toBe('default');
});

it('a database URL shows without its password', async () => {
  const { shownValue } = await import('../../src/routes/admin-settings.js');
  expect(shownValue('database', 'postgres://app:s3cret@db:5432/auth')).toBe('postgres://app:••••••••@db:5432/auth');
  expect(shownValue('database', 'postgres://h1:5432,h2:5432/db?password=s3cret&x=1')).not.toContain('s3cret');
});

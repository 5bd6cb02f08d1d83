/** resetPasswordForEmail: POST /recover, redirect_to, a PKCE verifier marked as a recovery. */
import { describe, expect, it } from 'vitest';
import { resetPasswordForEmail } from '../../src/flows/reset-password-for-email.js';
import { fakeClock, fakeServer, json, s256, serverError, testClient } from '../helpers.js';

describe('resetPasswordForEmail', () => {
  it('implicit: { email } and redirect_to; answers {}', async () => {
    const server = fakeServer({ 'POST /recover': () => json(200, {}) });
    const t = await testClient({ fetch: server.fetch, clock: fakeClock() });
    const result = await resetPasswordForEmail(t.auth, 'ada@example.com', { redirectTo: 'https://app.example/new-password' });
    expect(result).toEqual({ data: {}, error: null });
    expect(server.calls[0]).toMatchObject({
      path: '/recover?redirect_to=https%3A%2F%2Fapp.example%2Fnew-password',
      body: { email: 'ada@example.com' },
    });
  });

  it('pkce: the challenge of a verifier kept as a recovery’s', async () => {
    const server = fakeServer({ 'POST /recover': () => json(200, {}) });
    const t = await testClient({ fetch: server.fetch, clock: fakeClock(), flowType: 'pkce' });
    await resetPasswordForEmail(t.auth, 'ada@example.com');
    const stored = (await t.storage.getItem(`${t.key}-code-verifier`)) as string;
    expect(stored).toMatch(/^[A-Za-z0-9_-]{43}\/recovery$/);
    expect(server.calls[0]?.body).toEqual({
      email: 'ada@example.com',
      code_challenge: s256(stored.slice(0, 43)),
      code_challenge_method: 's256',
    });
  });

  it('the server’s refusal comes back coded; no verifier kept', async () => {
    const server = fakeServer({ 'POST /recover': () => serverError(429, 'over_email_send_rate_limit') });
    const t = await testClient({ fetch: server.fetch, clock: fakeClock(), flowType: 'pkce' });
    expect(await resetPasswordForEmail(t.auth, 'ada@example.com')).toMatchObject({
      data: {},
      error: { code: 'over_email_send_rate_limit' },
    });
    expect(await t.storage.getItem(`${t.key}-code-verifier`)).toBeNull();
    expect((await resetPasswordForEmail(t.auth, '')).error?.code).toBe('invalid_argument');
  });
});

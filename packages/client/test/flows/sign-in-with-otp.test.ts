/** signInWithOtp: POST /otp as supabase-js sends it; PKCE challenge and verifier; nothing signed in. */
import { describe, expect, it } from 'vitest';
import { signInWithOtp } from '../../src/flows/sign-in-with-otp.js';
import { fakeClock, fakeServer, json, s256, serverError, testClient } from '../helpers.js';

describe('signInWithOtp', () => {
  it('implicit: email, data {}, create_user true; redirect_to in the query; nothing stored or emitted', async () => {
    const server = fakeServer({ 'POST /otp': () => json(200, {}) });
    const t = await testClient({ fetch: server.fetch, clock: fakeClock() });
    const result = await signInWithOtp(t.auth, { email: 'ada@example.com', emailRedirectTo: 'https://app.example/welcome?x=1' });
    expect(result).toEqual({ data: { user: null, session: null }, error: null });
    expect(server.calls[0]?.path).toBe('/otp?redirect_to=https%3A%2F%2Fapp.example%2Fwelcome%3Fx%3D1');
    expect(server.calls[0]?.body).toEqual({ email: 'ada@example.com', data: {}, create_user: true });
    expect(await t.storage.getItem(`${t.key}-code-verifier`)).toBeNull();
    expect(t.events()).toEqual(['INITIAL_SESSION']);
  });

  it('shouldCreateUser: false and data go through as GoTrue names them', async () => {
    const server = fakeServer({ 'POST /otp': () => json(200, {}) });
    const t = await testClient({ fetch: server.fetch, clock: fakeClock() });
    await signInWithOtp(t.auth, { email: 'ada@example.com', shouldCreateUser: false, data: { plan: 'pro' } });
    expect(server.calls[0]).toMatchObject({ path: '/otp', body: { email: 'ada@example.com', data: { plan: 'pro' }, create_user: false } });
  });

  it('pkce: sends the S256 challenge of the verifier it keeps, once the server accepted', async () => {
    const server = fakeServer({ 'POST /otp': () => json(200, {}) });
    const t = await testClient({ fetch: server.fetch, clock: fakeClock(), flowType: 'pkce' });
    expect((await signInWithOtp(t.auth, { email: 'ada@example.com' })).error).toBeNull();
    const verifier = (await t.storage.getItem(`${t.key}-code-verifier`)) as string;
    expect(verifier).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(server.calls[0]?.body).toEqual({
      email: 'ada@example.com',
      data: {},
      create_user: true,
      code_challenge: s256(verifier),
      code_challenge_method: 's256',
    });
  });

  it('pkce: a refused request (rate limit) leaves the verifier of the link sent before it', async () => {
    let refuse = false;
    const server = fakeServer({ 'POST /otp': () => (refuse ? serverError(429, 'over_email_send_rate_limit') : json(200, {})) });
    const t = await testClient({ fetch: server.fetch, clock: fakeClock(), flowType: 'pkce' });
    await signInWithOtp(t.auth, { email: 'ada@example.com' });
    const first = await t.storage.getItem(`${t.key}-code-verifier`);
    refuse = true;
    const { error } = await signInWithOtp(t.auth, { email: 'ada@example.com' });
    expect(error).toMatchObject({ code: 'over_email_send_rate_limit', status: 429 });
    expect(await t.storage.getItem(`${t.key}-code-verifier`)).toBe(first);
    expect(server.calls[1]?.body.code_challenge).not.toBe(s256(first as string)); // a fresh one was offered
  });

  it('refuses a missing email before any request, and anything but a client', async () => {
    const server = fakeServer({});
    const t = await testClient({ fetch: server.fetch, clock: fakeClock() });
    expect((await signInWithOtp(t.auth, { email: '' })).error?.code).toBe('invalid_argument');
    expect((await signInWithOtp({} as never, { email: 'a@example.com' })).error?.code).toBe('invalid_argument');
    expect(server.calls).toEqual([]);
  });
});

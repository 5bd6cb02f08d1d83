/** signUp: a session when the server gives one (SIGNED_IN), the user alone when it does not. */
import { describe, expect, it } from 'vitest';
import { signUp } from '../../src/flows/sign-up.js';
import { fakeClock, fakeServer, json, s256, testClient, testContext, tokenBody, USER } from '../helpers.js';

describe('signUp', () => {
  it('stores the session the server answers with, and emits SIGNED_IN', async () => {
    const clock = fakeClock();
    const server = fakeServer({ 'POST /signup': () => json(200, tokenBody(1)) });
    const t = await testContext({ fetch: server.fetch, clock });
    const { data, error } = await signUp(t.ctx, { email: 'ada@example.com', password: 'pw', data: { name: 'Ada' } });
    expect(error).toBeNull();
    expect(server.calls[0]?.body).toEqual({ email: 'ada@example.com', password: 'pw', data: { name: 'Ada' } });
    expect(data.session?.access_token).toBe('access-1');
    expect(t.events()).toEqual(['SIGNED_IN']);
  });

  it('a server that confirms by email answers with the user only: no session stored, no event', async () => {
    const clock = fakeClock();
    const server = fakeServer({ 'POST /signup': () => json(200, USER) });
    const t = await testContext({ fetch: server.fetch, clock });
    expect(await signUp(t.ctx, { email: 'ada@example.com', password: 'pw' })).toEqual({ data: { user: USER, session: null }, error: null });
    expect(await t.storage.getItem(t.key)).toBeNull();
    expect(t.events()).toEqual([]);
  });

  it('weak_password carries the reasons', async () => {
    const clock = fakeClock();
    const server = fakeServer({
      'POST /signup': () => json(422, { code: 'weak_password', message: 'weak', weak_password: { reasons: ['length'] } }),
    });
    const t = await testContext({ fetch: server.fetch, clock });
    const { error } = await signUp(t.ctx, { email: 'ada@example.com', password: 'pw' });
    expect(error).toMatchObject({ code: 'weak_password', status: 422, reasons: ['length'] });
  });

  it('emailRedirectTo goes as redirect_to; pkce: a challenge, and the verifier kept only when confirmation is pending', async () => {
    let confirm = true;
    const server = fakeServer({ 'POST /signup': () => json(200, confirm ? USER : tokenBody(1)) });
    const t = await testClient({ fetch: server.fetch, clock: fakeClock(), flowType: 'pkce' });
    await t.auth.signUp({ email: 'ada@example.com', password: 'pw', emailRedirectTo: 'https://app.example/welcome' });
    const verifier = (await t.storage.getItem(`${t.key}-code-verifier`)) as string;
    expect(server.calls[0]).toMatchObject({
      path: '/signup?redirect_to=https%3A%2F%2Fapp.example%2Fwelcome',
      body: { email: 'ada@example.com', password: 'pw', code_challenge: s256(verifier), code_challenge_method: 's256' },
    });
    // A server that confirms at once answers a session: no link will come, no verifier kept.
    confirm = false;
    await t.storage.removeItem(`${t.key}-code-verifier`);
    await t.auth.signUp({ email: 'bob@example.com', password: 'pw' });
    expect(await t.storage.getItem(`${t.key}-code-verifier`)).toBeNull();
  });

  it('implicit (the default): no challenge, nothing kept', async () => {
    const server = fakeServer({ 'POST /signup': () => json(200, USER) });
    const t = await testClient({ fetch: server.fetch, clock: fakeClock() });
    await t.auth.signUp({ email: 'ada@example.com', password: 'pw' });
    expect(server.calls[0]?.body).toEqual({ email: 'ada@example.com', password: 'pw' });
    expect(await t.storage.getItem(`${t.key}-code-verifier`)).toBeNull();
  });
});

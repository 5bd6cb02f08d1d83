/** updateUser: PUT /user, the stored session's user updated, USER_UPDATED emitted. */
import { describe, expect, it } from 'vitest';
import { updateUser } from '../../src/flows/update-user.js';
import { fakeClock, fakeServer, json, s256, serverError, session, testClient, testContext, USER } from '../helpers.js';

describe('updateUser', () => {
  it('sends the attributes with the token, updates the stored user, emits USER_UPDATED', async () => {
    const clock = fakeClock();
    const updated = { ...USER, user_metadata: { theme: 'dark' } };
    const server = fakeServer({ 'PUT /user': () => json(200, updated) });
    const t = await testContext({ fetch: server.fetch, clock });
    await t.ctx.store.commit(session(1, clock.now()), true);
    const { data, error } = await updateUser(t.ctx, { data: { theme: 'dark' } });
    expect(error).toBeNull();
    expect(data.user).toEqual(updated);
    expect(server.calls[0]?.headers.get('authorization')).toBe('Bearer access-1');
    expect(server.calls[0]?.body).toEqual({ data: { theme: 'dark' } });
    expect(JSON.parse((await t.storage.getItem(t.key)) as string).user.user_metadata).toEqual({ theme: 'dark' });
    expect(t.emitted).toEqual([['USER_UPDATED', expect.objectContaining({ user: updated })]]);
  });

  it('a refusal (same_password) changes nothing and emits nothing', async () => {
    const clock = fakeClock();
    const server = fakeServer({ 'PUT /user': () => serverError(422, 'same_password') });
    const t = await testContext({ fetch: server.fetch, clock });
    await t.ctx.store.commit(session(1, clock.now()), true);
    expect((await updateUser(t.ctx, { password: 'same' })).error?.code).toBe('same_password');
    expect(t.events()).toEqual([]);
  });

  it('without a session: session_missing', async () => {
    const clock = fakeClock();
    const t = await testContext({ fetch: fakeServer({}).fetch, clock });
    expect((await updateUser(t.ctx, { data: {} })).error?.code).toBe('session_missing');
  });

  it('an email change: the user answers with new_email pending; redirect_to; pkce verifier kept after the server accepted', async () => {
    const clock = fakeClock();
    const pending = { ...USER, new_email: 'new@example.com' };
    const server = fakeServer({ 'PUT /user': () => json(200, pending) });
    const t = await testClient({ fetch: server.fetch, clock, flowType: 'pkce' });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    const { data, error } = await t.auth.updateUser({ email: 'new@example.com' }, { emailRedirectTo: 'https://app.example/account' });
    expect(error).toBeNull();
    expect(data.user).toMatchObject({ email: USER.email, new_email: 'new@example.com' });
    const verifier = (await t.storage.getItem(`${t.key}-code-verifier`)) as string;
    expect(server.calls[0]).toMatchObject({
      path: '/user?redirect_to=https%3A%2F%2Fapp.example%2Faccount',
      body: { email: 'new@example.com', code_challenge: s256(verifier), code_challenge_method: 's256' },
    });
    expect((await t.stored())?.user).toMatchObject({ new_email: 'new@example.com' });
    expect(t.events()).toEqual(['INITIAL_SESSION', 'SIGNED_IN', 'USER_UPDATED']); // SIGNED_IN: the session written to storage above
  });

  it('a password with the reauthentication nonce; no PKCE without an email change', async () => {
    const clock = fakeClock();
    const server = fakeServer({ 'PUT /user': () => json(200, USER) });
    const t = await testClient({ fetch: server.fetch, clock, flowType: 'pkce' });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    await t.auth.updateUser({ password: 'new password', nonce: '123456' });
    expect(server.calls[0]).toMatchObject({ path: '/user', body: { password: 'new password', nonce: '123456' } });
    expect(server.calls[0]?.body).not.toHaveProperty('code_challenge');
    expect(await t.storage.getItem(`${t.key}-code-verifier`)).toBeNull();
  });

  it('reauthentication_needed comes back coded', async () => {
    const clock = fakeClock();
    const server = fakeServer({ 'PUT /user': () => serverError(400, 'reauthentication_needed') });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    expect((await t.auth.updateUser({ password: 'x' })).error).toMatchObject({ code: 'reauthentication_needed', status: 400 });
  });
});

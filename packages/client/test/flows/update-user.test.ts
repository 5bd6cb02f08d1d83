/** updateUser: PUT /user, the stored session's user updated, USER_UPDATED emitted. */
import { describe, expect, it } from 'vitest';
import { updateUser } from '../../src/flows/update-user.js';
import { fakeClock, fakeServer, json, serverError, session, testContext, USER } from '../helpers.js';

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
});

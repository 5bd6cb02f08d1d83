/** signOut: ends the session on the server, removes it here (even offline), emits SIGNED_OUT once. */
import { describe, expect, it } from 'vitest';
import { signOut } from '../../src/flows/sign-out.js';
import { fakeClock, fakeServer, serverError, session, testContext, type Handler } from '../helpers.js';

async function setup(logout: Handler) {
  const clock = fakeClock();
  const server = fakeServer({ 'POST /logout': logout });
  const t = await testContext({ fetch: server.fetch, clock });
  await t.ctx.store.commit(session(1, clock.now()), true);
  return { ...t, server };
}

describe('signOut', () => {
  it.each(['global', 'local'] as const)('scope=%s: logout with the token, storage cleared, SIGNED_OUT', async (scope) => {
    const t = await setup(() => new Response(null, { status: 204 }));
    expect(await signOut(t.ctx, { scope })).toEqual({ error: null });
    expect(t.server.calls[0]).toMatchObject({ path: `/logout?scope=${scope}` });
    expect(t.server.calls[0]?.headers.get('authorization')).toBe('Bearer access-1');
    expect(await t.storage.getItem(t.key)).toBeNull();
    expect(t.events()).toEqual(['SIGNED_OUT']);
  });

  it('defaults to scope=global, as GoTrue does', async () => {
    const t = await setup(() => new Response(null, { status: 204 }));
    await signOut(t.ctx);
    expect(t.server.calls[0]?.path).toBe('/logout?scope=global');
  });

  it('scope=others keeps this session', async () => {
    const t = await setup(() => new Response(null, { status: 204 }));
    await signOut(t.ctx, { scope: 'others' });
    expect(await t.storage.getItem(t.key)).not.toBeNull();
    expect(t.events()).toEqual([]);
  });

  it('offline: still signed out here, and the network error is returned', async () => {
    const t = await setup(() => {
      throw new TypeError('fetch failed');
    });
    const { error } = await signOut(t.ctx, { scope: 'local' });
    expect(error?.code).toBe('network_error');
    expect(await t.storage.getItem(t.key)).toBeNull();
    expect(t.events()).toEqual(['SIGNED_OUT']);
  });

  it('a session the server no longer knows (403 session_not_found) is not an error', async () => {
    const t = await setup(() => serverError(403, 'session_not_found'));
    expect(await signOut(t.ctx, { scope: 'local' })).toEqual({ error: null });
    expect(t.events()).toEqual(['SIGNED_OUT']);
  });

  it('regression (security review): 403 bad_jwt (an expired token) is reported — the session may live on', async () => {
    const t = await setup(() => serverError(403, 'bad_jwt'));
    const { error } = await signOut(t.ctx, { scope: 'global' });
    expect(error?.code).toBe('bad_jwt');
    // Signed out here all the same.
    expect(t.events()).toEqual(['SIGNED_OUT']);
  });

  it('signing out twice emits SIGNED_OUT once', async () => {
    const t = await setup(() => new Response(null, { status: 204 }));
    await signOut(t.ctx);
    await signOut(t.ctx);
    expect(t.events()).toEqual(['SIGNED_OUT']);
    expect(t.server.calls).toHaveLength(1);
  });
});

/** signInWithIdToken: POST /token?grant_type=id_token as supabase-js sends it; the session stored, SIGNED_IN. */
import { describe, expect, it } from 'vitest';
import { signInWithIdToken } from '../../src/flows/sign-in-with-id-token.js';
import { fakeClock, fakeServer, json, serverError, testClient, tokenBody } from '../helpers.js';

const ID_TOKEN = 'POST /token?grant_type=id_token';

describe('signInWithIdToken', () => {
  it('sends provider, id_token, access_token, nonce; stores the session on this clock; emits SIGNED_IN', async () => {
    const clock = fakeClock();
    const server = fakeServer({ [ID_TOKEN]: () => json(200, tokenBody(1)) });
    const t = await testClient({ fetch: server.fetch, clock });
    const { data, error } = await signInWithIdToken(t.auth, {
      provider: 'apple',
      token: 'eyJ.id.token',
      nonce: 'raw-nonce',
      access_token: 'at',
    });
    expect(error).toBeNull();
    expect(server.calls[0]).toMatchObject({
      method: 'POST',
      path: '/token?grant_type=id_token',
      body: { provider: 'apple', id_token: 'eyJ.id.token', access_token: 'at', nonce: 'raw-nonce' },
    });
    expect(data.session?.access_token).toBe('access-1');
    expect(data.session?.expires_at).toBe(Math.floor(clock.now() / 1000) + 3600);
    expect(data.user?.id).toBe('user-1');
    expect((await t.stored())?.refresh_token).toBe('refresh-1');
    expect(t.events()).toEqual(['INITIAL_SESSION', 'SIGNED_IN']);
  });

  it('without a nonce or access token: only provider and id_token go out', async () => {
    const server = fakeServer({ [ID_TOKEN]: () => json(200, tokenBody(1)) });
    const t = await testClient({ fetch: server.fetch, clock: fakeClock() });
    await signInWithIdToken(t.auth, { provider: 'google', token: 'eyJ.id.token' });
    expect(server.calls[0]?.body).toEqual({ provider: 'google', id_token: 'eyJ.id.token' });
  });

  it("a refusal: the server's code, nothing stored, no event", async () => {
    const server = fakeServer({ [ID_TOKEN]: () => serverError(400, 'validation_failed') });
    const t = await testClient({ fetch: server.fetch, clock: fakeClock() });
    const result = await signInWithIdToken(t.auth, { provider: 'google', token: 'bad' });
    expect(result).toMatchObject({ data: { user: null, session: null }, error: { code: 'validation_failed', status: 400 } });
    expect(await t.stored()).toBeNull();
    expect(t.events()).toEqual(['INITIAL_SESSION']);
  });

  it('refuses a missing provider or token before any request', async () => {
    const server = fakeServer({});
    const t = await testClient({ fetch: server.fetch, clock: fakeClock() });
    expect((await signInWithIdToken(t.auth, { provider: 'google', token: '' })).error?.code).toBe('invalid_argument');
    expect((await signInWithIdToken(t.auth, { provider: '', token: 'x' })).error?.code).toBe('invalid_argument');
    expect(server.calls).toEqual([]);
  });
});

/** signInAnonymously: POST /signup { data }, the session stored, SIGNED_IN. */
import { describe, expect, it } from 'vitest';
import { signInAnonymously } from '../../src/flows/sign-in-anonymously.js';
import { fakeClock, fakeServer, json, serverError, testClient, tokenBody, USER } from '../helpers.js';

const ANONYMOUS = { ...USER, email: '', is_anonymous: true };

describe('signInAnonymously', () => {
  it('sends { data } only (no credentials), stores the session, emits SIGNED_IN', async () => {
    const server = fakeServer({ 'POST /signup': () => json(200, tokenBody(1, 3600, ANONYMOUS)) });
    const t = await testClient({ fetch: server.fetch, clock: fakeClock() });
    const { data, error } = await signInAnonymously(t.auth, { data: { cart: 'c-42' } });
    expect(error).toBeNull();
    expect(server.calls[0]?.body).toEqual({ data: { cart: 'c-42' } });
    expect(data.user).toMatchObject({ is_anonymous: true });
    expect((await t.stored())?.user.is_anonymous).toBe(true);
    expect(t.events()).toEqual(['INITIAL_SESSION', 'SIGNED_IN']);
  });

  it('data defaults to {} (as supabase-js); disabled on the server: anonymous_provider_disabled', async () => {
    const server = fakeServer({ 'POST /signup': () => serverError(422, 'anonymous_provider_disabled') });
    const t = await testClient({ fetch: server.fetch, clock: fakeClock() });
    const { error } = await signInAnonymously(t.auth);
    expect(server.calls[0]?.body).toEqual({ data: {} });
    expect(error).toMatchObject({ code: 'anonymous_provider_disabled', status: 422 });
    expect(t.events()).toEqual(['INITIAL_SESSION']);
  });
});

/** signInWithPassword: stores the session and emits SIGNED_IN; a refusal stores nothing. */
import { describe, expect, it } from 'vitest';
import { signInWithPassword } from '../../src/flows/sign-in-with-password.js';
import { fakeClock, fakeServer, json, testContext, tokenBody } from '../helpers.js';

const ROUTE = 'POST /token?grant_type=password';

describe('signInWithPassword', () => {
  it('posts the credentials, stores the session with expires_at on the local clock, emits SIGNED_IN', async () => {
    const clock = fakeClock();
    const server = fakeServer({ [ROUTE]: () => json(200, tokenBody(1, 3600)) });
    const t = await testContext({ fetch: server.fetch, clock });
    const { data, error } = await signInWithPassword(t.ctx, { email: 'ada@example.com', password: 'pw' });
    expect(error).toBeNull();
    expect(server.calls[0]?.body).toEqual({ email: 'ada@example.com', password: 'pw' });
    expect(server.calls[0]?.headers.get('x-supabase-api-version')).toBe('2024-01-01');
    expect(data.session?.expires_at).toBe(Math.floor(clock.now() / 1000) + 3600);
    expect(JSON.parse((await t.storage.getItem(t.key)) as string).access_token).toBe('access-1');
    expect(t.events()).toEqual(['SIGNED_IN']);
  });

  it('invalid_credentials (legacy error shape too) stores nothing and emits nothing', async () => {
    const clock = fakeClock();
    const server = fakeServer({
      [ROUTE]: () => json(400, { code: 400, error_code: 'invalid_credentials', msg: 'Invalid login credentials' }),
    });
    const t = await testContext({ fetch: server.fetch, clock });
    const { data, error } = await signInWithPassword(t.ctx, { email: 'ada@example.com', password: 'wrong' });
    expect(data).toEqual({ user: null, session: null });
    expect(error).toMatchObject({ code: 'invalid_credentials', status: 400, message: 'Invalid login credentials' });
    expect(error?.message).not.toContain('wrong');
    expect(await t.storage.getItem(t.key)).toBeNull();
    expect(t.events()).toEqual([]);
  });

  it('bad input is a coded error, without a request', async () => {
    const clock = fakeClock();
    const server = fakeServer({});
    const t = await testContext({ fetch: server.fetch, clock });
    expect((await signInWithPassword(t.ctx, { email: 'a@b.c' } as never)).error?.code).toBe('invalid_argument');
    expect(server.calls).toHaveLength(0);
  });
});

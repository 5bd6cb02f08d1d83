/** verifyOtp: POST /verify with GoTrue's two shapes; the session stored; SIGNED_IN or PASSWORD_RECOVERY. */
import { describe, expect, it } from 'vitest';
import { verifyOtp } from '../../src/flows/verify-otp.js';
import { fakeClock, fakeServer, json, serverError, session, testClient, tokenBody } from '../helpers.js';

describe('verifyOtp', () => {
  it('a typed code: { type, email, token }; stores the session (device clock) and emits SIGNED_IN', async () => {
    const clock = fakeClock();
    const server = fakeServer({ 'POST /verify': () => json(200, tokenBody(1)) });
    const t = await testClient({ fetch: server.fetch, clock });
    const { data, error } = await verifyOtp(t.auth, { type: 'email', email: 'ada@example.com', token: '123456' });
    expect(error).toBeNull();
    expect(server.calls[0]?.body).toEqual({ type: 'email', email: 'ada@example.com', token: '123456' });
    expect(data.session).toMatchObject({ access_token: 'access-1', expires_at: Math.floor(clock.now() / 1000) + 3600 });
    expect((await t.stored())?.access_token).toBe('access-1');
    expect(t.events()).toEqual(['INITIAL_SESSION', 'SIGNED_IN']);
  });

  it('a link’s token hash: { type, token_hash } and nothing else (GoTrue refuses more)', async () => {
    const server = fakeServer({ 'POST /verify': () => json(200, tokenBody(1)) });
    const t = await testClient({ fetch: server.fetch, clock: fakeClock() });
    await verifyOtp(t.auth, { type: 'magiclink', token_hash: 'pkce_abc', email: 'x' } as never);
    expect(server.calls[0]?.body).toEqual({ type: 'magiclink', token_hash: 'pkce_abc' });
  });

  it('recovery emits PASSWORD_RECOVERY, as supabase-js does', async () => {
    const server = fakeServer({ 'POST /verify': () => json(200, tokenBody(1)) });
    const t = await testClient({ fetch: server.fetch, clock: fakeClock() });
    await verifyOtp(t.auth, { type: 'recovery', email: 'ada@example.com', token: '123456' });
    expect(t.events()).toEqual(['INITIAL_SESSION', 'PASSWORD_RECOVERY']);
  });

  it('secure email change, first of two confirmations ({ msg, code }): nothing to sign in with, nothing changed', async () => {
    const clock = fakeClock();
    const server = fakeServer({
      'POST /verify': () =>
        json(200, { msg: 'Confirmation link accepted. Please proceed to confirm link sent to the other email', code: '200' }),
    });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    const result = await verifyOtp(t.auth, { type: 'email_change', email: 'new@example.com', token: '123456' });
    expect(result).toEqual({ data: { user: null, session: null }, error: null });
    expect((await t.stored())?.access_token).toBe('access-1');
  });

  it('an expired or wrong code (otp_expired) keeps the session the user had', async () => {
    const clock = fakeClock();
    const server = fakeServer({ 'POST /verify': () => serverError(403, 'otp_expired') });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    const { error } = await verifyOtp(t.auth, { type: 'email', email: 'ada@example.com', token: '000000' });
    expect(error).toMatchObject({ code: 'otp_expired', status: 403 });
    expect((await t.stored())?.access_token).toBe('access-1');
  });

  it('refuses an unknown type, or neither shape, before any request', async () => {
    const server = fakeServer({});
    const t = await testClient({ fetch: server.fetch, clock: fakeClock() });
    expect((await verifyOtp(t.auth, { type: 'sms', email: 'a', token: '1' } as never)).error?.code).toBe('invalid_argument');
    expect((await verifyOtp(t.auth, { type: 'email', email: 'a' } as never)).error?.code).toBe('invalid_argument');
    expect(server.calls).toEqual([]);
  });
});

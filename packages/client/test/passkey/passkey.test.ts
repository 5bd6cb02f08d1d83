/** Passkeys over GoTrue's /passkeys API: registration, sign-in (SIGNED_IN), list, rename, delete. */
import { describe, expect, it } from 'vitest';
import { deletePasskey, listPasskeys, renamePasskey } from '../../src/passkey/manage.js';
import { registerPasskey } from '../../src/passkey/register.js';
import { signInWithPasskey } from '../../src/passkey/sign-in.js';
import { fakeClock, fakeServer, json, serverError, session, testClient, tokenBody } from '../helpers.js';
import { b64url, fakeCredentials } from '../webauthn/fake-authenticator.js';

const PASSKEY = { id: 'p1', friendly_name: 'Passkey', created_at: '2030-01-01T00:00:00.000Z' };
const START = {
  challenge_id: 'ch1',
  options: { challenge: b64url('chal'), rp: { id: 'localhost', name: 'x' }, user: { id: b64url('u'), name: 'a' } },
  expires_at: 1,
};

describe('passkeys', () => {
  it('registerPasskey: options → navigator.credentials.create → verify { challenge_id, credential }, bearer on both', async () => {
    const clock = fakeClock();
    const server = fakeServer({
      'POST /passkeys/registration/options': () => json(200, START),
      'POST /passkeys/registration/verify': () => json(200, PASSKEY),
    });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    const fake = fakeCredentials();
    const { data, error } = await registerPasskey(t.auth, { credentials: fake.credentials });
    expect(error).toBeNull();
    expect(data.passkey).toEqual(PASSKEY);
    expect(fake.seen.create).toHaveLength(1);
    expect(server.calls.map((c) => c.headers.get('authorization'))).toEqual(['Bearer access-1', 'Bearer access-1']);
    expect(server.calls[1]?.body).toMatchObject({ challenge_id: 'ch1', credential: { id: 'Y3JlZA', type: 'public-key' } });
  });

  it('registerPasskey: a cancelled prompt sends no verification', async () => {
    const clock = fakeClock();
    const server = fakeServer({ 'POST /passkeys/registration/options': () => json(200, START) });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    const { error } = await registerPasskey(t.auth, { credentials: fakeCredentials('cancel').credentials });
    expect(error?.code).toBe('webauthn_ceremony_failed');
    expect(server.calls).toHaveLength(1);
  });

  it('signInWithPasskey: no bearer; the session stored and SIGNED_IN', async () => {
    const clock = fakeClock();
    const server = fakeServer({
      'POST /passkeys/authentication/options': () =>
        json(200, { ...START, options: { challenge: b64url('chal'), userVerification: 'required' } }),
      'POST /passkeys/authentication/verify': () => json(200, tokenBody(1)),
    });
    const t = await testClient({ fetch: server.fetch, clock });
    const { data, error } = await signInWithPasskey(t.auth, { credentials: fakeCredentials().credentials });
    expect(error).toBeNull();
    expect(data.session?.access_token).toBe('access-1');
    expect(server.calls.map((c) => c.headers.get('authorization'))).toEqual([null, null]);
    expect(server.calls[1]?.body).toMatchObject({ challenge_id: 'ch1', credential: { response: { userHandle: b64url('user-1') } } });
    expect((await t.stored())?.access_token).toBe('access-1');
    expect(t.events()).toEqual(['INITIAL_SESSION', 'SIGNED_IN']);
  });

  it('signInWithPasskey: an unknown credential (webauthn_verification_failed) stores nothing', async () => {
    const server = fakeServer({
      'POST /passkeys/authentication/options': () => json(200, START),
      'POST /passkeys/authentication/verify': () => serverError(400, 'webauthn_verification_failed'),
    });
    const t = await testClient({ fetch: server.fetch, clock: fakeClock() });
    expect((await signInWithPasskey(t.auth, { credentials: fakeCredentials().credentials })).error?.code).toBe(
      'webauthn_verification_failed',
    );
    expect(await t.stored()).toBeNull();
  });

  it('list, rename (PATCH { friendly_name }), delete', async () => {
    const clock = fakeClock();
    const server = fakeServer({
      'GET /passkeys': () => json(200, [PASSKEY]),
      'PATCH /passkeys/p1': () => json(200, { ...PASSKEY, friendly_name: 'Laptop' }),
      'DELETE /passkeys/p1': () => new Response(null, { status: 204 }),
    });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    expect((await listPasskeys(t.auth)).data.passkeys).toEqual([PASSKEY]);
    expect((await renamePasskey(t.auth, { passkeyId: 'p1', friendlyName: 'Laptop' })).data.passkey?.friendly_name).toBe('Laptop');
    expect(server.calls[1]?.body).toEqual({ friendly_name: 'Laptop' });
    expect(await deletePasskey(t.auth, { passkeyId: 'p1' })).toEqual({ error: null });
    expect(server.calls.map((c) => `${c.method} ${c.path}`)).toEqual(['GET /passkeys', 'PATCH /passkeys/p1', 'DELETE /passkeys/p1']);
  });

  it('passkey_disabled comes back coded; an empty id is refused before any request', async () => {
    const clock = fakeClock();
    const server = fakeServer({ 'GET /passkeys': () => serverError(404, 'passkey_disabled') });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    expect((await listPasskeys(t.auth)).error?.code).toBe('passkey_disabled');
    expect((await deletePasskey(t.auth, { passkeyId: '' })).error?.code).toBe('invalid_argument');
    expect(server.calls).toHaveLength(1);
  });
});

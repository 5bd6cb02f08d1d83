/** mfa.enroll: POST /factors with GoTrue's body; the SVG QR code becomes a data URI, as supabase-js makes it. */
import { describe, expect, it } from 'vitest';
import { enroll } from '../../src/mfa/enroll.js';
import { fakeClock, fakeServer, json, serverError, session, testClient } from '../helpers.js';

const TOTP = {
  id: 'f1',
  type: 'totp',
  friendly_name: 'Phone',
  totp: { qr_code: '<svg width="10"></svg>', secret: 'JBSWY3DPEHPK3PXP', uri: 'otpauth://totp/x' },
};

describe('mfa.enroll', () => {
  it('TOTP: { factor_type, friendly_name, issuer } with the bearer token; the QR code as a data URI', async () => {
    const clock = fakeClock();
    const server = fakeServer({ 'POST /factors': () => json(200, TOTP) });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    const { data, error } = await enroll(t.auth, { factorType: 'totp', friendlyName: 'Phone', issuer: 'example.com' });
    expect(error).toBeNull();
    expect(server.calls[0]?.body).toEqual({ factor_type: 'totp', friendly_name: 'Phone', issuer: 'example.com' });
    expect(server.calls[0]?.headers.get('authorization')).toBe('Bearer access-1');
    expect(data.totp.qr_code).toBe('data:image/svg+xml;utf-8,<svg width="10"></svg>');
    expect(data.totp.secret).toBe('JBSWY3DPEHPK3PXP');
    // SIGNED_IN: the session the test stored, seen by the client; nothing more
    expect(t.events()).toEqual(['INITIAL_SESSION', 'SIGNED_IN']);
  });

  it('WebAuthn: no issuer sent', async () => {
    const clock = fakeClock();
    const server = fakeServer({ 'POST /factors': () => json(200, { id: 'f2', type: 'webauthn', friendly_name: 'Key' }) });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    const { data } = await enroll(t.auth, { factorType: 'webauthn', friendlyName: 'Key' });
    expect(server.calls[0]?.body).toEqual({ factor_type: 'webauthn', friendly_name: 'Key' });
    expect(data).toEqual({ id: 'f2', type: 'webauthn', friendly_name: 'Key' });
  });

  it('the server’s refusals come back coded (insufficient_aal, too_many_enrolled_mfa_factors)', async () => {
    const clock = fakeClock();
    const server = fakeServer({ 'POST /factors': () => serverError(403, 'insufficient_aal') });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    const result = await enroll(t.auth, { factorType: 'totp' });
    expect(result.error).toMatchObject({ code: 'insufficient_aal', status: 403 });
    expect(result.data).toEqual({ id: null, type: null, friendly_name: null, totp: null });
  });

  it('without a session: session_missing, no request; an unknown factor type: invalid_argument', async () => {
    const server = fakeServer({});
    const t = await testClient({ fetch: server.fetch, clock: fakeClock() });
    expect((await enroll(t.auth, { factorType: 'totp' })).error?.code).toBe('session_missing');
    expect((await enroll(t.auth, { factorType: 'sms' } as never)).error?.code).toBe('invalid_argument');
    expect(server.calls).toEqual([]);
  });
});

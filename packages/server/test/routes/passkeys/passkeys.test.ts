/**
 * Passkeys at the server level (GoTrue's /passkeys API) with a software authenticator that can do
 * what a browser will not: answer from the wrong origin or for the wrong RP id, replay a
 * challenge, report a counter that went backwards. The Chromium tests cover the real browser.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDatabases, type TestServer } from '../../../src/testing.js';
import { call, refresh, signUp, type Tokens } from '../../helpers.js';
import { SoftAuthenticator } from '../../support/authenticator.js';
import { totpAt } from '../../support/totp.js';
import { claims, enrolTotp, signIn, verifyTotp } from '../mfa/mfa-helpers.js';

const ORIGIN = 'http://localhost:5173';

describe.each(testDatabases().map((d) => [d.startsWith('postgres') ? 'postgres' : 'pglite', d]))('passkeys on %s', (_name, database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database, config: { passkeyEnabled: true, passkeyMaxPasskeysPerUser: 3 } });
  });
  afterAll(() => server?.close());

  const registrationOptions = (session: Tokens) =>
    call(server.authUrl, 'POST', '/passkeys/registration/options', { token: session.access_token, body: {} });

  async function register(session: Tokens, authenticator = new SoftAuthenticator(ORIGIN, 'localhost')) {
    const options = await registrationOptions(session);
    expect(options.status).toBe(200);
    const verified = await call(server.authUrl, 'POST', '/passkeys/registration/verify', {
      token: session.access_token,
      body: { challenge_id: options.body.challenge_id, credential: authenticator.create(options.body.options) },
    });
    expect(verified.status).toBe(200);
    return { authenticator, passkey: verified.body };
  }

  async function signInWith(authenticator: SoftAuthenticator, overrides: Parameters<SoftAuthenticator['get']>[2] = {}) {
    const options = await call(server.authUrl, 'POST', '/passkeys/authentication/options', { body: {} });
    expect(options.status).toBe(200);
    return call(server.authUrl, 'POST', '/passkeys/authentication/verify', {
      body: { challenge_id: options.body.challenge_id, credential: authenticator.get(options.body.options, undefined, overrides) },
    });
  }

  it('registers a discoverable passkey and signs in with it, no password: amr passkey, aal1, a session that refreshes', async () => {
    const session = await signUp(server);
    const options = await registrationOptions(session);
    expect(options.body).toMatchObject({
      challenge_id: expect.any(String),
      expires_at: Math.floor(server.clock() / 1000) + 300,
      options: {
        rp: { id: 'localhost', name: 'Latchkey' },
        user: { name: session.user.email },
        authenticatorSelection: { residentKey: 'required', userVerification: 'required' },
        attestation: 'none',
      },
    });
    const { authenticator, passkey } = await register(session);
    expect(passkey).toEqual({ id: expect.any(String), friendly_name: 'Passkey', created_at: expect.any(String) });

    const start = await call(server.authUrl, 'POST', '/passkeys/authentication/options', { body: {} });
    expect(start.body.options).toMatchObject({ rpId: 'localhost', userVerification: 'required', allowCredentials: [] });
    const signedIn = await call(server.authUrl, 'POST', '/passkeys/authentication/verify', {
      body: { challenge_id: start.body.challenge_id, credential: authenticator.get(start.body.options) },
    });
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user.id).toBe(session.user.id);
    expect(claims(signedIn.body.access_token)).toMatchObject({ aal: 'aal1', amr: [{ method: 'passkey' }] });
    expect((await refresh(server.authUrl, signedIn.body.refresh_token)).status).toBe(200);

    const list = await call(server.authUrl, 'GET', '/passkeys', { token: session.access_token });
    expect(list.body).toEqual([
      { id: passkey.id, friendly_name: 'Passkey', created_at: expect.any(String), last_used_at: expect.any(String) },
    ]);
    const audit = await call(server.authUrl, 'GET', `/admin/audit?user_id=${session.user.id}`, { token: server.secretKey });
    expect(audit.body.entries.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['passkey_added', 'passkey_login']));
  });

  it('refuses a registration made for another origin, or for another RP id', async () => {
    const session = await signUp(server);
    for (const overrides of [
      { origin: 'https://evil.example' },
      { origin: 'http://localhost.evil.example:5173' },
      { rpId: 'evil.example' },
    ]) {
      const options = await registrationOptions(session);
      const reply = await call(server.authUrl, 'POST', '/passkeys/registration/verify', {
        token: session.access_token,
        body: {
          challenge_id: options.body.challenge_id,
          credential: new SoftAuthenticator(ORIGIN, 'localhost').create(options.body.options, overrides),
        },
      });
      expect(reply.status, JSON.stringify(overrides)).toBe(400);
      expect(reply.body.code).toBe('webauthn_verification_failed');
    }
    expect((await call(server.authUrl, 'GET', '/passkeys', { token: session.access_token })).body).toEqual([]);
  });

  it('refuses a sign-in from another origin, for another RP id, or without user verification', async () => {
    const session = await signUp(server);
    const { authenticator } = await register(session);
    for (const overrides of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }, { uv: false }, { type: 'webauthn.create' }]) {
      const reply = await signInWith(authenticator, overrides);
      expect(reply.status, JSON.stringify(overrides)).toBe(400);
      expect(reply.body.code).toBe('webauthn_verification_failed');
    }
    expect((await signInWith(authenticator)).status).toBe(200);
  });

  it('a challenge answers one ceremony once: replayed, answered for another challenge, or expired, it is refused', async () => {
    const session = await signUp(server);
    const { authenticator } = await register(session);
    const options = await call(server.authUrl, 'POST', '/passkeys/authentication/options', { body: {} });
    const credential = authenticator.get(options.body.options);
    const first = await call(server.authUrl, 'POST', '/passkeys/authentication/verify', {
      body: { challenge_id: options.body.challenge_id, credential },
    });
    expect(first.status).toBe(200);
    const replay = await call(server.authUrl, 'POST', '/passkeys/authentication/verify', {
      body: { challenge_id: options.body.challenge_id, credential },
    });
    expect(replay.status).toBe(400);
    expect(replay.body.code).toBe('webauthn_challenge_not_found');
    // The same signed response presented against a fresh challenge: its clientData names the old one.
    const fresh = await call(server.authUrl, 'POST', '/passkeys/authentication/options', { body: {} });
    const moved = await call(server.authUrl, 'POST', '/passkeys/authentication/verify', {
      body: { challenge_id: fresh.body.challenge_id, credential },
    });
    expect(moved.body.code).toBe('webauthn_verification_failed');
    // A registration challenge is not an authentication challenge.
    const registration = await registrationOptions(session);
    const crossed = await call(server.authUrl, 'POST', '/passkeys/authentication/verify', {
      body: {
        challenge_id: registration.body.challenge_id,
        credential: authenticator.get({ challenge: registration.body.options.challenge }),
      },
    });
    expect(crossed.body.code).toBe('webauthn_challenge_not_found');
    const late = await call(server.authUrl, 'POST', '/passkeys/authentication/options', { body: {} });
    server.clock.advance(301_000);
    const expired = await call(server.authUrl, 'POST', '/passkeys/authentication/verify', {
      body: { challenge_id: late.body.challenge_id, credential: authenticator.get(late.body.options) },
    });
    expect(expired.body.code).toBe('webauthn_challenge_expired');
  });

  it('a signature counter that goes backwards (a cloned authenticator) is refused and audited', async () => {
    const session = await signUp(server);
    const { authenticator } = await register(session);
    expect((await signInWith(authenticator, { counter: 5 })).status).toBe(200);
    const cloned = await signInWith(authenticator, { counter: 3 });
    expect(cloned.status).toBe(400);
    expect(cloned.body.code).toBe('webauthn_verification_failed');
    expect((await signInWith(authenticator, { counter: 5 })).status).toBe(400);
    const audit = await call(server.authUrl, 'GET', `/admin/audit?user_id=${session.user.id}&type=webauthn_counter_regression`, {
      token: server.secretKey,
    });
    expect(audit.body.entries).toHaveLength(2);
    expect(audit.body.entries[1].data).toMatchObject({ stored: 5, reported: 3 });
    expect((await signInWith(authenticator, { counter: 6 })).status).toBe(200);
  });

  it('a credential presented with another user’s handle is refused', async () => {
    const alice = await signUp(server);
    const bob = await signUp(server);
    const { authenticator } = await register(alice);
    authenticator.credentials[0]!.userHandle = Buffer.from(bob.user.id).toString('base64url');
    expect((await signInWith(authenticator)).body.code).toBe('webauthn_verification_failed');
  });

  it('list, rename, delete; admins list and delete; the count is capped', async () => {
    const session = await signUp(server);
    const { passkey } = await register(session);
    const renamed = await call(server.authUrl, 'PATCH', `/passkeys/${passkey.id}`, {
      token: session.access_token,
      body: { friendly_name: 'Laptop' },
    });
    expect(renamed.body).toMatchObject({ id: passkey.id, friendly_name: 'Laptop' });
    expect(
      (await call(server.authUrl, 'PATCH', `/passkeys/${passkey.id}`, { token: session.access_token, body: { friendly_name: '' } })).status,
    ).toBe(400);
    await register(session);
    await register(session);
    const full = await registrationOptions(session);
    expect(full.status).toBe(422);
    expect(full.body.code).toBe('too_many_passkeys');
    const admin = await call(server.authUrl, 'GET', `/admin/users/${session.user.id}/passkeys`, { token: server.secretKey });
    expect(admin.body).toHaveLength(3);
    const other = admin.body.find((p: { id: string }) => p.id !== passkey.id);
    const adminDelete = await call(server.authUrl, 'DELETE', `/admin/users/${session.user.id}/passkeys/${other.id}`, {
      token: server.secretKey,
    });
    expect(adminDelete.status, JSON.stringify(adminDelete.body)).toBe(204);
    expect((await call(server.authUrl, 'DELETE', `/passkeys/${passkey.id}`, { token: session.access_token })).status).toBe(204);
    const gone = await call(server.authUrl, 'DELETE', `/passkeys/${passkey.id}`, { token: session.access_token });
    expect(gone.status).toBe(404);
    expect((await call(server.authUrl, 'GET', '/passkeys', { token: session.access_token })).body).toHaveLength(1);
  });

  it('once the user has a verified factor, managing passkeys takes aal2', async () => {
    const session = await signUp(server);
    const { id, secret } = await enrolTotp(server, session.access_token);
    const aal2 = await verifyTotp(server, session.access_token, id, totpAt(secret, server.clock()));
    const aal1 = await signIn(server, session.user.email);
    const refused = await registrationOptions(aal1);
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('insufficient_aal');
    expect((await registrationOptions(aal2.body)).status).toBe(200);
  });
});

describe.each(testDatabases().map((d) => [d.startsWith('postgres') ? 'postgres' : 'pglite', d]))(
  'passkey settings on %s',
  (_name, database) => {
    it('off by default: every /passkeys route answers 404 passkey_disabled', async () => {
      const server = await startTestServer({ database });
      try {
        const session = await signUp(server);
        const start = await call(server.authUrl, 'POST', '/passkeys/authentication/options', { body: {} });
        expect(start.status).toBe(404);
        expect(start.body.code).toBe('passkey_disabled');
        expect((await call(server.authUrl, 'GET', '/passkeys', { token: session.access_token })).body.code).toBe('passkey_disabled');
      } finally {
        await server.close();
      }
    });

    it('LATCHKEY_WEBAUTHN_RP_ID and _RP_ORIGINS: only the configured origins, for the configured RP id', async () => {
      const server = await startTestServer({
        database,
        config: { passkeyEnabled: true, webauthnRpId: 'example.com', webauthnRpOrigins: ['https://app.example.com'] },
      });
      try {
        const session = await signUp(server);
        const attempt = async (origin: string) => {
          const options = await call(server.authUrl, 'POST', '/passkeys/registration/options', { token: session.access_token, body: {} });
          expect(options.body.options.rp.id).toBe('example.com');
          return call(server.authUrl, 'POST', '/passkeys/registration/verify', {
            token: session.access_token,
            body: {
              challenge_id: options.body.challenge_id,
              credential: new SoftAuthenticator(origin, 'example.com').create(options.body.options),
            },
          });
        };
        expect((await attempt('http://localhost:5173')).status).toBe(400);
        expect((await attempt('https://example.com')).status).toBe(400);
        expect((await attempt('https://app.example.com')).status).toBe(200);
      } finally {
        await server.close();
      }
    });
  },
);

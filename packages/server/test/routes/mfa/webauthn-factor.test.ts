/**
 * WebAuthn factors at the server level (GoTrue's factor_type 'webauthn'), with a software
 * authenticator; the Chromium tests run the same flow through the browser's WebAuthn API.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDatabases, type TestServer } from '../../../src/testing.js';
import { call, signUp, uniqueEmail, type Tokens } from '../../helpers.js';
import { SoftAuthenticator } from '../../support/authenticator.js';
import { claims, signIn } from './mfa-helpers.js';

const ORIGIN = 'http://localhost:5173';

describe.each(testDatabases().map((d) => [d.startsWith('postgres') ? 'postgres' : 'pglite', d]))(
  'WebAuthn factors on %s',
  (_name, database) => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ database, config: { mfaWebAuthnEnrollEnabled: true, mfaWebAuthnVerifyEnabled: true } });
    });
    afterAll(() => server?.close());

    const challenge = (session: Tokens, factorId: string) =>
      call(server.authUrl, 'POST', `/factors/${factorId}/challenge`, {
        token: session.access_token,
        body: { webauthn: { rpId: 'ignored' } },
      });
    const verify = (session: Tokens, factorId: string, challengeId: string, type: string, credential: unknown) =>
      call(server.authUrl, 'POST', `/factors/${factorId}/verify`, {
        token: session.access_token,
        body: { challenge_id: challengeId, webauthn: { type, credential_response: credential } },
      });

    /** Signs up, enrols and verifies a WebAuthn factor; the session is aal2 after. */
    async function enrolled() {
      const email = uniqueEmail();
      const session = await signUp(server, email);
      const factor = await call(server.authUrl, 'POST', '/factors', {
        token: session.access_token,
        body: { factor_type: 'webauthn', friendly_name: 'key' },
      });
      expect(factor.body).toEqual({ id: expect.any(String), type: 'webauthn', friendly_name: 'key' });
      const created = await challenge(session, factor.body.id);
      expect(created.body).toMatchObject({
        type: 'webauthn',
        expires_at: expect.any(Number),
        webauthn: { type: 'create', credential_options: { publicKey: { rp: { id: 'localhost' }, challenge: expect.any(String) } } },
      });
      const authenticator = new SoftAuthenticator(ORIGIN, 'localhost');
      const credential = authenticator.create(created.body.webauthn.credential_options.publicKey);
      const verified = await verify(session, factor.body.id, created.body.id, 'create', credential);
      expect(verified.status).toBe(200);
      return { email, factorId: factor.body.id as string, authenticator, verified: verified.body as Tokens };
    }

    it('registration ceremony as the first challenge; verifying raises the session to aal2 with mfa/webauthn first', async () => {
      const { verified, factorId } = await enrolled();
      expect(claims(verified.access_token)).toMatchObject({ aal: 'aal2' });
      expect(claims(verified.access_token).amr.map((m: { method: string }) => m.method)).toEqual(['mfa/webauthn', 'password']);
      expect(verified.user).toMatchObject({
        factors: [expect.objectContaining({ id: factorId, factor_type: 'webauthn', status: 'verified' })],
      });
    });

    it('later sign-ins: an authentication ceremony for that credential raises aal1 to aal2', async () => {
      const { email, factorId, authenticator } = await enrolled();
      const session = await signIn(server, email);
      const request = await challenge(session, factorId);
      expect(request.body.webauthn.type).toBe('request');
      expect(request.body.webauthn.credential_options.publicKey.allowCredentials).toEqual([
        expect.objectContaining({ id: authenticator.credentials[0]!.id, type: 'public-key' }),
      ]);
      const reply = await verify(
        session,
        factorId,
        request.body.id,
        'request',
        authenticator.get(request.body.webauthn.credential_options.publicKey),
      );
      expect(reply.status).toBe(200);
      expect(claims(reply.body.access_token)).toMatchObject({ aal: 'aal2', session_id: claims(session.access_token).session_id });
    });

    it('refuses another origin, another RP id, a replayed challenge, the other ceremony, and a counter regression (audited)', async () => {
      const { email, factorId, authenticator } = await enrolled();
      const session = await signIn(server, email);
      const attempt = async (overrides: Parameters<SoftAuthenticator['get']>[2], type = 'request') => {
        const request = await challenge(session, factorId);
        return verify(
          session,
          factorId,
          request.body.id,
          type,
          authenticator.get(request.body.webauthn.credential_options.publicKey, undefined, overrides),
        );
      };
      for (const overrides of [{ origin: 'https://evil.example' }, { rpId: 'evil.example' }]) {
        const reply = await attempt(overrides);
        expect(reply.status, JSON.stringify(overrides)).toBe(422);
        expect(reply.body.code).toBe('mfa_verification_failed');
      }
      expect((await attempt({}, 'create')).body.code).toBe('mfa_verification_failed');

      const request = await challenge(session, factorId);
      const answer = authenticator.get(request.body.webauthn.credential_options.publicKey, undefined, { counter: 10 });
      expect((await verify(session, factorId, request.body.id, 'request', answer)).status).toBe(200);
      const replay = await verify(session, factorId, request.body.id, 'request', answer);
      expect(replay.status).toBe(422);
      expect(replay.body.code).toBe('mfa_factor_not_found');

      const cloned = await attempt({ counter: 7 });
      expect(cloned.body.code).toBe('mfa_verification_failed');
      const audit = await call(
        server.authUrl,
        'GET',
        `/admin/audit?type=webauthn_counter_regression&user_id=${claims(session.access_token).sub}`,
        {
          token: server.secretKey,
        },
      );
      expect(audit.body.entries[0].data).toMatchObject({ factor_id: factorId, stored: 10, reported: 7 });
      expect((await attempt({ counter: 11 })).status).toBe(200);
    });

    it('LATCHKEY_MFA_WEB_AUTHN_VERIFY_ENABLED off: challenges are refused with GoTrue’s code', async () => {
      const off = await startTestServer({ database, config: { mfaWebAuthnEnrollEnabled: true } });
      try {
        const session = await signUp(off);
        const factor = await call(off.authUrl, 'POST', '/factors', { token: session.access_token, body: { factor_type: 'webauthn' } });
        const reply = await call(off.authUrl, 'POST', `/factors/${factor.body.id}/challenge`, { token: session.access_token });
        expect(reply.body.code).toBe('mfa_webauthn_verify_not_enabled');
      } finally {
        await off.close();
      }
    });
  },
);

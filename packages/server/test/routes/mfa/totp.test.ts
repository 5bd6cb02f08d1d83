/**
 * TOTP factors end to end over HTTP (GoTrue's /factors API), with codes computed from the enrolled
 * secret by an independent RFC 6238 implementation and time moved by the injected clock.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDatabases, type TestServer } from '../../../src/testing.js';
import { call, refresh, signUp, uniqueEmail, type Tokens } from '../../helpers.js';
import { totpAt } from '../../support/totp.js';
import { claims, enrolTotp, signIn, verifyTotp } from './mfa-helpers.js';

describe.each(testDatabases().map((d) => [d.startsWith('postgres') ? 'postgres' : 'pglite', d]))(
  'TOTP factors on %s',
  (_name, database) => {
    let server: TestServer;
    beforeAll(async () => {
      server = await startTestServer({ database });
    });
    afterAll(() => server?.close());

    it('enrol: { id, type, friendly_name, totp: { qr_code (SVG), secret, uri } }; GET /user lists it unverified', async () => {
      const session = await signUp(server);
      const reply = await call(server.authUrl, 'POST', '/factors', {
        token: session.access_token,
        body: { factor_type: 'totp', friendly_name: 'phone', issuer: 'Acme' },
      });
      expect(reply.status).toBe(200);
      const { id, type, friendly_name, totp } = reply.body;
      expect({ type, friendly_name }).toEqual({ type: 'totp', friendly_name: 'phone' });
      expect(totp.secret).toMatch(/^[A-Z2-7]{32}$/);
      expect(totp.uri).toBe(
        `otpauth://totp/Acme:${encodeURIComponent(session.user.email)}?issuer=Acme&secret=${totp.secret}&algorithm=SHA1&digits=6&period=30`,
      );
      // Raw SVG as GoTrue sends it; supabase-js prefixes data:image/svg+xml;utf-8, and a # would end that URI.
      expect(totp.qr_code).toMatch(/^<svg width="(\d+)" height="\1" [^>]*viewBox="0 0 \1 \1"/);
      expect(totp.qr_code).not.toContain('#');
      const user = await call(server.authUrl, 'GET', '/user', { token: session.access_token });
      expect(user.body.factors).toEqual([
        expect.objectContaining({ id, factor_type: 'totp', status: 'unverified', friendly_name: 'phone', created_at: expect.any(String) }),
      ]);
      expect(JSON.stringify(user.body)).not.toContain(totp.secret);
    });

    it('stores the secret sealed, never in the clear', async () => {
      const session = await signUp(server);
      const { id, secret } = await enrolTotp(server, session.access_token);
      const [row] = await server.app.db.query<{ secret: string }>('SELECT secret FROM mfa_factors WHERE id = $1', [id]);
      expect(row!.secret).toMatch(/^v1\./);
      expect(row!.secret).not.toContain(secret);
    });

    it('challenge then verify: the same session, now aal2 with totp first in amr, its refresh token rotated', async () => {
      const session = await signUp(server);
      const { id, secret } = await enrolTotp(server, session.access_token);
      const challenge = await call(server.authUrl, 'POST', `/factors/${id}/challenge`, { token: session.access_token });
      expect(challenge.status).toBe(200);
      expect(challenge.body).toEqual({ id: expect.any(String), type: 'totp', expires_at: Math.floor(server.clock() / 1000) + 300 });
      const verified = await call(server.authUrl, 'POST', `/factors/${id}/verify`, {
        token: session.access_token,
        body: { challenge_id: challenge.body.id, code: totpAt(secret, server.clock()) },
      });
      expect(verified.status).toBe(200);
      const before = claims(session.access_token);
      const after = claims(verified.body.access_token);
      expect(before.aal).toBe('aal1');
      expect(after.aal).toBe('aal2');
      expect(after.session_id).toBe(before.session_id);
      expect(after.amr.map((m: { method: string }) => m.method)).toEqual(['totp', 'password']);
      expect(verified.body.refresh_token).not.toBe(session.refresh_token);
      expect(verified.body.user.factors).toEqual([expect.objectContaining({ id, status: 'verified' })]);
      // The new refresh token rotates, at aal2.
      const rotated = await refresh(server.authUrl, verified.body.refresh_token);
      expect(rotated.status).toBe(200);
      expect(claims(rotated.body.access_token)).toMatchObject({ aal: 'aal2', session_id: before.session_id });
    });

    it('a wrong code: 422 mfa_verification_failed, audited; the challenge stays usable until it succeeds once', async () => {
      const session = await signUp(server);
      const { id, secret } = await enrolTotp(server, session.access_token);
      const challenge = await call(server.authUrl, 'POST', `/factors/${id}/challenge`, { token: session.access_token });
      const right = totpAt(secret, server.clock());
      const wrong = right === '000000' ? '111111' : '000000';
      const refused = await call(server.authUrl, 'POST', `/factors/${id}/verify`, {
        token: session.access_token,
        body: { challenge_id: challenge.body.id, code: wrong },
      });
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('mfa_verification_failed');
      const audit = await call(server.authUrl, 'GET', `/admin/audit?user_id=${session.user.id}&type=mfa_verification_failed`, {
        token: server.secretKey,
      });
      expect(audit.body.entries).toHaveLength(1);
      expect(audit.body.entries[0].data).toMatchObject({ factor_id: id, reason: 'wrong_code' });
      const ok = await call(server.authUrl, 'POST', `/factors/${id}/verify`, {
        token: session.access_token,
        body: { challenge_id: challenge.body.id, code: right },
      });
      expect(ok.status).toBe(200);
      // Single use: the challenge is gone.
      server.clock.advance(30_000);
      const again = await call(server.authUrl, 'POST', `/factors/${id}/verify`, {
        token: session.access_token,
        body: { challenge_id: challenge.body.id, code: totpAt(secret, server.clock()) },
      });
      expect(again.status).toBe(422);
      expect(again.body.code).toBe('mfa_factor_not_found');
    });

    it('each code is accepted once: replayed on a new challenge it is refused, and so is an older one', async () => {
      const session = await signUp(server);
      const { id, secret } = await enrolTotp(server, session.access_token);
      const code = totpAt(secret, server.clock());
      const first = await verifyTotp(server, session.access_token, id, code);
      expect(first.status).toBe(200);
      const replay = await verifyTotp(server, first.body.access_token, id, code);
      expect(replay.status).toBe(422);
      expect(replay.body.code).toBe('mfa_verification_failed');
      // The previous step's code is inside the skew window, but older than one already used.
      expect((await verifyTotp(server, first.body.access_token, id, totpAt(secret, server.clock() - 30_000))).status).toBe(422);
      // The next step's code is new.
      server.clock.advance(30_000);
      expect((await verifyTotp(server, first.body.access_token, id, totpAt(secret, server.clock()))).status).toBe(200);
    });

    it('two verifications racing with one code: exactly one wins', async () => {
      const session = await signUp(server);
      const { id, secret } = await enrolTotp(server, session.access_token);
      const code = totpAt(secret, server.clock());
      const challenges = await Promise.all(
        [0, 1, 2, 3].map(() => call(server.authUrl, 'POST', `/factors/${id}/challenge`, { token: session.access_token })),
      );
      const replies = await Promise.all(
        challenges.map((c) =>
          call(server.authUrl, 'POST', `/factors/${id}/verify`, { token: session.access_token, body: { challenge_id: c.body.id, code } }),
        ),
      );
      expect(replies.map((r) => r.status).sort()).toEqual([200, 422, 422, 422]);
    });

    it('one step of clock skew either way is accepted; two are not', async () => {
      const session = await signUp(server);
      const { id, secret } = await enrolTotp(server, session.access_token);
      expect((await verifyTotp(server, session.access_token, id, totpAt(secret, server.clock() - 60_000))).body.code).toBe(
        'mfa_verification_failed',
      );
      expect((await verifyTotp(server, session.access_token, id, totpAt(secret, server.clock() + 60_000))).body.code).toBe(
        'mfa_verification_failed',
      );
      const late = await verifyTotp(server, session.access_token, id, totpAt(secret, server.clock() - 30_000));
      expect(late.status).toBe(200);
      const early = await verifyTotp(server, late.body.access_token, id, totpAt(secret, server.clock() + 30_000));
      expect(early.status).toBe(200);
    });

    it('a challenge expires after LATCHKEY_MFA_CHALLENGE_EXPIRY_DURATION', async () => {
      const session = await signUp(server);
      const { id, secret } = await enrolTotp(server, session.access_token);
      const challenge = await call(server.authUrl, 'POST', `/factors/${id}/challenge`, { token: session.access_token });
      server.clock.advance(301_000);
      const reply = await call(server.authUrl, 'POST', `/factors/${id}/verify`, {
        token: session.access_token,
        body: { challenge_id: challenge.body.id, code: totpAt(secret, server.clock()) },
      });
      expect(reply.status).toBe(422);
      expect(reply.body.code).toBe('mfa_challenge_expired');
    });

    it('verifying ends the user’s other aal1 sessions (as GoTrue does), not the verifying one', async () => {
      const email = uniqueEmail();
      const session = await signUp(server, email);
      const other = await signIn(server, email);
      const { id, secret } = await enrolTotp(server, session.access_token);
      const verified = await verifyTotp(server, session.access_token, id, totpAt(secret, server.clock()));
      expect(verified.status).toBe(200);
      expect((await refresh(server.authUrl, other.refresh_token)).body.code).toBe('session_not_found');
      expect((await call(server.authUrl, 'GET', '/user', { token: verified.body.access_token })).status).toBe(200);
    });

    it('a user with a verified factor signs in at aal1, refreshes at aal1, and reaches aal2 with the factor', async () => {
      const email = uniqueEmail();
      const session = await signUp(server, email);
      const { id, secret } = await enrolTotp(server, session.access_token);
      await verifyTotp(server, session.access_token, id, totpAt(secret, server.clock()));
      const later = await signIn(server, email);
      expect(claims(later.access_token).aal).toBe('aal1');
      expect(later.user).toMatchObject({ factors: [expect.objectContaining({ id, status: 'verified' })] });
      const rotated = await refresh(server.authUrl, later.refresh_token);
      expect(rotated.status).toBe(200);
      expect(claims(rotated.body.access_token).aal).toBe('aal1');
      expect(rotated.body.user.factors).toEqual([expect.objectContaining({ id, status: 'verified' })]);
      server.clock.advance(30_000);
      const raised = await verifyTotp(server, rotated.body.access_token, id, totpAt(secret, server.clock()));
      expect(claims(raised.body.access_token).aal).toBe('aal2');
    });

    it('unenrol: an unverified factor from aal1; a verified one only from aal2, which then falls back to aal1', async () => {
      const email = uniqueEmail();
      const session = await signUp(server, email);
      const pending = await enrolTotp(server, session.access_token, 'pending');
      expect((await call(server.authUrl, 'DELETE', `/factors/${pending.id}`, { token: session.access_token })).body).toEqual({
        id: pending.id,
      });
      const { id, secret } = await enrolTotp(server, session.access_token);
      const aal2 = await verifyTotp(server, session.access_token, id, totpAt(secret, server.clock()));
      const aal1 = await signIn(server, email);
      const refused = await call(server.authUrl, 'DELETE', `/factors/${id}`, { token: aal1.access_token });
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('insufficient_aal');
      const removed = await call(server.authUrl, 'DELETE', `/factors/${id}`, { token: aal2.body.access_token });
      expect(removed.body).toEqual({ id });
      const rotated = await refresh(server.authUrl, aal2.body.refresh_token);
      expect(claims(rotated.body.access_token).aal).toBe('aal1');
      expect(claims(rotated.body.access_token).amr.map((m: { method: string }) => m.method)).toEqual(['password']);
      expect(rotated.body.user.factors).toBeUndefined();
    });

    it('enrolment rules: a second factor needs aal2 once one is verified; names are unique; the count is capped', async () => {
      const email = uniqueEmail();
      const session = await signUp(server, email);
      await enrolTotp(server, session.access_token, 'one');
      const conflict = await call(server.authUrl, 'POST', '/factors', {
        token: session.access_token,
        body: { factor_type: 'totp', friendly_name: 'one' },
      });
      expect(conflict.status).toBe(422);
      expect(conflict.body.code).toBe('mfa_factor_name_conflict');
      const { id, secret } = await enrolTotp(server, session.access_token, 'two');
      await verifyTotp(server, session.access_token, id, totpAt(secret, server.clock()));
      const aal1 = await signIn(server, email);
      const refused = await call(server.authUrl, 'POST', '/factors', {
        token: aal1.access_token,
        body: { factor_type: 'totp', friendly_name: 'three' },
      });
      expect(refused.status).toBe(403);
      expect(refused.body.code).toBe('insufficient_aal');
    });

    it('factors belong to their user: another user’s factor id is 404 mfa_factor_not_found', async () => {
      const alice = await signUp(server);
      const bob = await signUp(server);
      const { id } = await enrolTotp(server, alice.access_token);
      const reply = await call(server.authUrl, 'POST', `/factors/${id}/challenge`, { token: bob.access_token });
      expect(reply.status).toBe(404);
      expect(reply.body.code).toBe('mfa_factor_not_found');
      expect((await call(server.authUrl, 'DELETE', '/factors/not-a-uuid', { token: bob.access_token })).status).toBe(404);
    });

    it('factor types GoTrue knows but Latchkey does not serve answer GoTrue’s “disabled”; unknown ones are 400', async () => {
      const session = await signUp(server);
      const phone = await call(server.authUrl, 'POST', '/factors', {
        token: session.access_token,
        body: { factor_type: 'phone', phone: '+15550000' },
      });
      expect(phone.body.code).toBe('mfa_phone_enroll_not_enabled');
      const webauthn = await call(server.authUrl, 'POST', '/factors', { token: session.access_token, body: { factor_type: 'webauthn' } });
      expect(webauthn.body.code).toBe('mfa_webauthn_enroll_not_enabled');
      const bogus = await call(server.authUrl, 'POST', '/factors', { token: session.access_token, body: { factor_type: 'sms' } });
      expect(bogus.status).toBe(400);
      expect(bogus.body.code).toBe('validation_failed');
    });

    it('admin: lists a user’s factors and removes one (no aal2 needed), lowering its sessions', async () => {
      const session = await signUp(server);
      const { id, secret } = await enrolTotp(server, session.access_token);
      const aal2 = await verifyTotp(server, session.access_token, id, totpAt(secret, server.clock()));
      const list = await call(server.authUrl, 'GET', `/admin/users/${session.user.id}/factors`, { token: server.secretKey });
      expect(list.body).toEqual([expect.objectContaining({ id, factor_type: 'totp', status: 'verified' })]);
      const removed = await call(server.authUrl, 'DELETE', `/admin/users/${session.user.id}/factors/${id}`, { token: server.secretKey });
      expect(removed.status).toBe(200);
      expect(removed.body).toMatchObject({ id, status: 'verified' });
      expect((await call(server.authUrl, 'GET', `/admin/users/${session.user.id}/factors`, { token: server.secretKey })).body).toEqual([]);
      expect(claims((await refresh(server.authUrl, aal2.body.refresh_token)).body.access_token).aal).toBe('aal1');
      const audit = await call(server.authUrl, 'GET', `/admin/audit?user_id=${session.user.id}&type=mfa_factor_removed`, {
        token: server.secretKey,
      });
      expect(audit.body.entries[0]).toMatchObject({ actor: 'admin', data: { factor_id: id } });
      const missing = await call(server.authUrl, 'DELETE', `/admin/users/${session.user.id}/factors/${id}`, { token: server.secretKey });
      expect(missing.body.code).toBe('mfa_factor_not_found');
    });
  },
);

describe.each(testDatabases().map((d) => [d.startsWith('postgres') ? 'postgres' : 'pglite', d]))(
  'TOTP settings and limits on %s',
  (_name, database) => {
    it('guessing is limited per factor: after 5 failures even the right code is 429 over_request_rate_limit', async () => {
      const server = await startTestServer({ database, config: { rateLimits: true, mfaRateLimitChallengeAndVerify: 1000 } });
      try {
        const session = await signUp(server);
        const { id, secret } = await enrolTotp(server, session.access_token);
        const right = totpAt(secret, server.clock());
        const wrong = right === '000000' ? '111111' : '000000';
        for (let i = 0; i < 5; i++)
          expect((await verifyTotp(server, session.access_token, id, wrong)).body.code).toBe('mfa_verification_failed');
        const limited = await verifyTotp(server, session.access_token, id, right);
        expect(limited.status).toBe(429);
        expect(limited.body.code).toBe('over_request_rate_limit');
        // The budget refills (one guess per 12 minutes).
        server.clock.advance(13 * 60_000);
        expect((await verifyTotp(server, session.access_token, id, totpAt(secret, server.clock()))).status).toBe(200);
      } finally {
        await server.close();
      }
    });

    it('verifications per IP: LATCHKEY_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY a minute', async () => {
      const server = await startTestServer({ database, config: { rateLimits: true, mfaRateLimitChallengeAndVerify: 3 } });
      try {
        const session = await signUp(server);
        const { id } = await enrolTotp(server, session.access_token);
        const statuses: number[] = [];
        for (let i = 0; i < 4; i++) {
          statuses.push(
            (
              await call(server.authUrl, 'POST', `/factors/${id}/verify`, {
                token: session.access_token,
                body: { challenge_id: 'x', code: '123456' },
              })
            ).status,
          );
        }
        expect(statuses).toEqual([422, 422, 422, 429]);
      } finally {
        await server.close();
      }
    });

    it('LATCHKEY_MFA_TOTP_ENROLL_ENABLED / _VERIFY_ENABLED off; LATCHKEY_MFA_MAX_ENROLLED_FACTORS caps', async () => {
      const server = await startTestServer({ database, config: { mfaTotpEnrollEnabled: false } });
      const capped = await startTestServer({ database, config: { mfaMaxEnrolledFactors: 2, mfaTotpVerifyEnabled: false } });
      try {
        const session = await signUp(server);
        const refused = await call(server.authUrl, 'POST', '/factors', { token: session.access_token, body: { factor_type: 'totp' } });
        expect(refused.status).toBe(422);
        expect(refused.body.code).toBe('mfa_totp_enroll_not_enabled');
        const other: Tokens = await signUp(capped);
        const a = await enrolTotp(capped, other.access_token, 'a');
        await enrolTotp(capped, other.access_token, 'b');
        const third = await call(capped.authUrl, 'POST', '/factors', {
          token: other.access_token,
          body: { factor_type: 'totp', friendly_name: 'c' },
        });
        expect(third.status).toBe(422);
        expect(third.body.code).toBe('too_many_enrolled_mfa_factors');
        const challenge = await call(capped.authUrl, 'POST', `/factors/${a.id}/challenge`, { token: other.access_token });
        expect(challenge.body.code).toBe('mfa_totp_verify_not_enabled');
        // Abandoned enrolments expire: past LATCHKEY_MFA_FACTOR_EXPIRY_DURATION they no longer count.
        capped.clock.advance(301_000);
        expect(
          (await call(capped.authUrl, 'POST', '/factors', { token: other.access_token, body: { factor_type: 'totp', friendly_name: 'c' } }))
            .status,
        ).toBe(200);
      } finally {
        await server.close();
        await capped.close();
      }
    });

    it('GET /settings says whether passkeys are enabled, as GoTrue does', async () => {
      const server = await startTestServer({ database, config: { passkeyEnabled: true } });
      try {
        expect((await call(server.authUrl, 'GET', '/settings')).body.passkeys_enabled).toBe(true);
      } finally {
        await server.close();
      }
    });
  },
);

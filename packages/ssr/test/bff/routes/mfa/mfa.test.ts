/**
 * The BFF's second-factor routes against a real Latchkey server (in-process, Postgres, the clock
 * the test moves), with TOTP codes computed here from the secret the enrolment answered.
 *
 * What they guard: a verification rotates the session's refresh token (the auth server raises the
 * session to aal2 in the same statement), so the route runs it under the session lock and writes
 * the raised session into the record. A record left on the pre-verify token would present it at
 * its next refresh, and after the reuse interval that is reuse: the session is revoked.
 */
import { sessionAssurance } from '@latchkey/client/session-rules';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TokenHandler } from '../../../../src/bff/index.js';
import { storeKey } from '../../../../src/bff/session-cookie.js';
import { refreshCounts, signUp, startAuthServer, type TestServer } from '../../../support/auth-server.js';
import { appRequest, handler, signedIn, signInThrough, spyStore } from '../../../support/bff.js';
import { Browser } from '../../../support/browser.js';
import { totp } from '../../../support/totp.js';

let server: TestServer;
beforeAll(async () => {
  server = await startAuthServer();
});
afterAll(async () => {
  await server?.close();
});

const COOKIE = '__Host-latchkey-session';

interface Enrolment {
  id: string;
  type: string;
  totp: { qr_code: string; secret: string; uri: string };
}

const post = (bff: TokenHandler, browser: Browser, path: string, body: unknown) =>
  bff.handle(appRequest(browser, `/auth/mfa/${path}`, { method: 'POST', body })) as Promise<Response>;

async function enrol(bff: TokenHandler, browser: Browser): Promise<Enrolment> {
  const response = await post(bff, browser, 'enroll', { friendly_name: 'Phone' });
  expect(response.status).toBe(200);
  return (await response.json()) as Enrolment;
}

/** The session record the store holds for the browser's cookie. */
async function recordOf(store: ReturnType<typeof spyStore>, browser: Browser) {
  const stored = await store.get(await storeKey(browser.cookies.get(COOKIE)!.value));
  return stored!.record.session;
}

async function sessionOf(bff: TokenHandler, browser: Browser) {
  const response = await bff.session(appRequest(browser, '/auth/session'));
  return { status: response.status, body: (await response.json()) as { aal?: string; amr?: { method: string }[]; code?: string } };
}

describe('the TOTP helper', () => {
  it('matches RFC 6238 appendix B (SHA-1) in its last six digits', () => {
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ'; // base32 of "12345678901234567890"
    expect(totp(secret, 59_000)).toBe('287082');
    expect(totp(secret, 1_111_111_109_000)).toBe('081804');
  });
});

describe('BFF second-factor routes', () => {
  it('enrol → verify → /session shows aal2 → refreshes past expiry keep aal2 → no reuse', async () => {
    const { bff, store, browser } = await signedIn(server);
    const before = await recordOf(store, browser);
    const factor = await enrol(bff, browser);
    expect(factor).toMatchObject({ type: 'totp', totp: { qr_code: expect.stringMatching(/^data:image\/svg\+xml/) } });
    expect(factor.totp.secret).toMatch(/^[A-Z2-7]+=*$/);

    const verified = await post(bff, browser, 'verify', { factor_id: factor.id, code: totp(factor.totp.secret, server.clock()) });
    expect(verified.status).toBe(200);
    const body = (await verified.json()) as { aal: string; amr: { method: string }[]; user: { id: string } };
    expect(body).toMatchObject({ aal: 'aal2', amr: [{ method: 'totp' }, { method: 'password' }], user: { id: before.user.id } });
    expect(JSON.stringify(body)).not.toMatch(/access_token|refresh_token/);
    // The record holds the raised session: the pre-verify refresh token is gone from it.
    const after = await recordOf(store, browser);
    expect(after.refresh_token).not.toBe(before.refresh_token);
    expect(sessionAssurance(after.access_token).aal).toBe('aal2');
    expect(await sessionOf(bff, browser)).toMatchObject({ status: 200, body: { aal: 'aal2' } });

    const counts = await refreshCounts(server.authUrl, server.secretKey);
    for (let i = 0; i < 2; i++) {
      server.clock.advance(61_000); // past the token's expiry and the 10 s reuse interval
      expect(await sessionOf(bff, browser)).toMatchObject({
        status: 200,
        body: { aal: 'aal2', amr: [{ method: 'totp' }, { method: 'password' }] },
      });
    }
    const later = await refreshCounts(server.authUrl, server.secretKey);
    expect(later.rotated - counts.rotated).toBe(2);
    expect(later.reuse).toBe(counts.reuse);
  });

  it('why the route exists: verifying with a token from getAccessToken leaves the record on the old chain, and the session dies at its next refresh', async () => {
    const { bff, browser } = await signedIn(server);
    const factor = await enrol(bff, browser);
    const { data } = await bff.getAccessToken(appRequest(browser, '/api/x'));
    const headers = { authorization: `Bearer ${data.accessToken}`, 'content-type': 'application/json' };
    const challenge = (await (
      await fetch(`${server.authUrl}/factors/${factor.id}/challenge`, { method: 'POST', headers, body: '{}' })
    ).json()) as {
      id: string;
    };
    const direct = await fetch(`${server.authUrl}/factors/${factor.id}/verify`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ challenge_id: challenge.id, code: totp(factor.totp.secret, server.clock()) }),
    });
    expect(direct.status).toBe(200);
    server.clock.advance(61_000);
    expect(await sessionOf(bff, browser)).toMatchObject({ status: 401, body: { code: 'session_ended' } });
  });

  it('with challenge_id: challenge, then verify; a wrong code is the auth server’s 422 and leaves the record as it was', async () => {
    const { bff, store, browser } = await signedIn(server);
    const factor = await enrol(bff, browser);
    const challenged = await post(bff, browser, 'challenge', { factor_id: factor.id });
    expect(challenged.status).toBe(200);
    const challenge = (await challenged.json()) as { id: string; type: string; expires_at: number };
    expect(challenge).toMatchObject({ type: 'totp', expires_at: expect.any(Number) });

    const before = await recordOf(store, browser);
    const right = totp(factor.totp.secret, server.clock());
    const wrong = await post(bff, browser, 'verify', {
      factor_id: factor.id,
      challenge_id: challenge.id,
      code: right === '000000' ? '111111' : '000000',
    });
    expect(wrong.status).toBe(422);
    expect(await wrong.json()).toMatchObject({ code: 'mfa_verification_failed' });
    expect(await recordOf(store, browser)).toEqual(before);

    const verified = await post(bff, browser, 'verify', { factor_id: factor.id, challenge_id: challenge.id, code: right });
    expect(verified.status).toBe(200);
    expect(await verified.json()).toMatchObject({ aal: 'aal2' });
  });

  it('a verify that finds the token due refreshes and verifies under one lock, written once: the session lives on', async () => {
    const { bff, net, browser } = await signedIn(server);
    const factor = await enrol(bff, browser);
    server.clock.advance(61_000); // the record's access token is expired when the verify comes
    const refreshes = net.state.refreshes;
    const verified = await post(bff, browser, 'verify', { factor_id: factor.id, code: totp(factor.totp.secret, server.clock()) });
    expect(verified.status).toBe(200);
    expect(net.state.refreshes - refreshes).toBe(1);
    server.clock.advance(61_000);
    expect(await sessionOf(bff, browser)).toMatchObject({ status: 200, body: { aal: 'aal2' } });
    expect(net.state.refusals).toEqual([]);
  });

  it('a verify among parallel requests of a due session: one refresh for all, no reuse, aal2 after', async () => {
    const { bff, net, browser } = await signedIn(server);
    const factor = await enrol(bff, browser);
    server.clock.advance(61_000);
    const refreshes = net.state.refreshes;
    const code = totp(factor.totp.secret, server.clock());
    const [verified, ...sessions] = await Promise.all([
      post(bff, browser, 'verify', { factor_id: factor.id, code }),
      ...Array.from({ length: 10 }, () => bff.session(appRequest(browser, '/auth/session'))),
    ]);
    expect(verified!.status).toBe(200);
    expect(sessions.map((r) => r.status)).toEqual(Array(10).fill(200));
    expect(net.state.refreshes - refreshes).toBe(1);
    server.clock.advance(61_000);
    expect(await sessionOf(bff, browser)).toMatchObject({ status: 200, body: { aal: 'aal2' } });
    expect(net.state.refusals).toEqual([]);
  });

  it('factors: the list and the level; the next sign-in is aal1 with next_level aal2 until its code', async () => {
    const { bff, browser, email } = await signedIn(server);
    const list = async (who: Browser) => {
      const response = await bff.handle(appRequest(who, '/auth/mfa/factors'));
      expect(response?.status).toBe(200);
      return (await response!.json()) as { factors: { id: string; status: string }[]; aal: string; next_level: string };
    };
    expect(await list(browser)).toMatchObject({ factors: [], aal: 'aal1', next_level: 'aal1' });
    const factor = await enrol(bff, browser);
    expect(await list(browser)).toMatchObject({ factors: [{ id: factor.id, status: 'unverified' }], aal: 'aal1', next_level: 'aal1' });
    expect((await post(bff, browser, 'verify', { factor_id: factor.id, code: totp(factor.totp.secret, server.clock()) })).status).toBe(200);
    expect(await list(browser)).toMatchObject({ factors: [{ id: factor.id, status: 'verified' }], aal: 'aal2', next_level: 'aal2' });

    // Another browser signs in with the password: aal1, and the app should ask for the code.
    const { browser: other } = await signInThrough(bff, email);
    expect(await list(other)).toMatchObject({ aal: 'aal1', next_level: 'aal2' });
    server.clock.advance(30_000); // each code works once: the next step's
    const raised = await post(bff, other, 'verify', { factor_id: factor.id, code: totp(factor.totp.secret, server.clock()) });
    expect(raised.status).toBe(200);
    expect(await list(other)).toMatchObject({ aal: 'aal2', next_level: 'aal2' });
  });

  it('unenrol: an aal1 session may not remove a verified factor; an aal2 one may, and drops to aal1 under the lock', async () => {
    const { bff, browser, email, store } = await signedIn(server);
    const factor = await enrol(bff, browser);
    expect((await post(bff, browser, 'verify', { factor_id: factor.id, code: totp(factor.totp.secret, server.clock()) })).status).toBe(200);
    const { browser: weak } = await signInThrough(bff, email);
    const refused = await post(bff, weak, 'unenroll', { factor_id: factor.id });
    expect(refused.status).toBe(422); // GoTrue's status for it
    expect(await refused.json()).toMatchObject({ code: 'insufficient_aal' });

    const before = await recordOf(store, browser);
    const removed = await post(bff, browser, 'unenroll', { factor_id: factor.id });
    expect(removed.status).toBe(200);
    expect(await removed.json()).toMatchObject({ id: factor.id, aal: 'aal1' });
    expect((await recordOf(store, browser)).refresh_token).not.toBe(before.refresh_token);
    server.clock.advance(61_000);
    expect(await sessionOf(bff, browser)).toMatchObject({ status: 200, body: { aal: 'aal1' } });
  });

  it('no session: 401 with the cookie cleared; cross-site: 403; a bad body: 400 — none reaches the auth server', async () => {
    const { email } = await signUp(server.authUrl);
    const { bff, net } = handler(server);
    const { browser } = await signInThrough(bff, email);
    const calls = net.state.requests.length;
    const stale = new Browser().receive([`${COOKIE}=${'a'.repeat(43)}; Path=/`]);
    for (const path of ['enroll', 'verify', 'unenroll']) {
      const response = await post(bff, stale, path, { factor_id: 'f', code: '123456' });
      expect(response.status).toBe(401);
      expect(response.headers.getSetCookie().join()).toContain('Max-Age=0');
    }
    for (const path of ['enroll', 'challenge', 'verify', 'unenroll']) {
      const crossSite = appRequest(browser, `/auth/mfa/${path}`, {
        method: 'POST',
        body: { factor_id: 'f', code: '123456' },
        headers: { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
      });
      expect((await bff.handle(crossSite))?.status).toBe(403);
    }
    for (const [path, body] of [
      ['enroll', { factor_type: 'webauthn' }],
      ['challenge', {}],
      ['verify', { factor_id: 'f' }],
      ['unenroll', { code: '1' }],
    ] as const) {
      expect((await post(bff, browser, path, body)).status).toBe(400);
    }
    expect(net.state.requests).toHaveLength(calls);
  });
});

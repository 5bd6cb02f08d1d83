/**
 * Passkeys and WebAuthn factors in real Chromium, through the DevTools protocol's virtual
 * authenticator (CTAP2, resident keys, user verification): a page served by this test fetches
 * options from a real Latchkey server, calls navigator.credentials.create()/get(), and sends the
 * browser's own answers back. Screenshots land in test-artifacts/webauthn/.
 *
 * Fails (does not skip) under CI when /usr/bin/chromium is missing.
 */
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, CDPSession, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../src/testing.js';
import { signUp } from '../helpers.js';
import { claims, signIn } from '../routes/mfa/mfa-helpers.js';
import { chromiumAvailable, launchChromium, listenOnLocalhost, withVirtualAuthenticator } from '../support/chromium.js';

const artifacts = fileURLToPath(new URL('../../../../test-artifacts/webauthn/', import.meta.url));
const hasChromium = chromiumAvailable('webauthn');

/**
 * The page: helpers that run one ceremony each against the auth server, with the browser's own
 * JSON (de)serialization of WebAuthn options and credentials.
 */
const PAGE = `<!doctype html><meta charset="utf-8"><title>latchkey webauthn</title>
<h1>WebAuthn against Latchkey</h1><pre id="log"></pre>
<script>
  const log = (line) => { document.getElementById('log').textContent += line + '\\n'; };
  async function api(authUrl, method, path, { token, body } = {}) {
    const response = await fetch(authUrl + path, {
      method,
      headers: { 'content-type': 'application/json', 'x-supabase-api-version': '2024-01-01', ...(token ? { authorization: 'Bearer ' + token } : {}) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }
  const create = async (options) => (await navigator.credentials.create({ publicKey: PublicKeyCredential.parseCreationOptionsFromJSON(options) })).toJSON();
  const get = async (options) => (await navigator.credentials.get({ publicKey: PublicKeyCredential.parseRequestOptionsFromJSON(options) })).toJSON();

  window.registerPasskey = async (authUrl, token) => {
    const options = await api(authUrl, 'POST', '/passkeys/registration/options', { token, body: {} });
    const credential = await create(options.body.options);
    const verified = await api(authUrl, 'POST', '/passkeys/registration/verify', { token, body: { challenge_id: options.body.challenge_id, credential } });
    log('passkey registered: ' + verified.status);
    return verified;
  };
  window.signInWithPasskey = async (authUrl) => {
    const options = await api(authUrl, 'POST', '/passkeys/authentication/options', { body: {} });
    const credential = await get(options.body.options);
    const session = await api(authUrl, 'POST', '/passkeys/authentication/verify', { body: { challenge_id: options.body.challenge_id, credential } });
    log('signed in with passkey: ' + session.status);
    return session;
  };
  window.enrolWebAuthnFactor = async (authUrl, token) => {
    const factor = await api(authUrl, 'POST', '/factors', { token, body: { factor_type: 'webauthn', friendly_name: 'security key' } });
    return factor.body.id;
  };
  window.verifyWebAuthnFactor = async (authUrl, token, factorId) => {
    const challenge = await api(authUrl, 'POST', '/factors/' + factorId + '/challenge', { token, body: {} });
    const { type, credential_options } = challenge.body.webauthn;
    const credential_response = type === 'create' ? await create(credential_options.publicKey) : await get(credential_options.publicKey);
    const verified = await api(authUrl, 'POST', '/factors/' + factorId + '/verify', { token, body: { challenge_id: challenge.body.id, webauthn: { type, credential_response } } });
    log('factor ' + type + ' verified: ' + verified.status);
    return { type, verified };
  };
</script>`;

describe.skipIf(!hasChromium)('WebAuthn in Chromium with a virtual authenticator', () => {
  let auth: TestServer;
  let app: Server;
  let origin: string;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let cdp: CDPSession;
  let authenticatorId: string;

  beforeAll(async () => {
    // Defaults otherwise: RP id localhost, any http://localhost port as origin.
    auth = await startTestServer({ config: { passkeyEnabled: true, mfaWebAuthnEnrollEnabled: true, mfaWebAuthnVerifyEnabled: true } });
    app = createServer((req, res) => {
      if (req.url === '/') res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE);
      else res.writeHead(404).end();
    });
    origin = await listenOnLocalhost(app);
    browser = await launchChromium(artifacts);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => app?.close(resolve));
    await auth?.close();
  });

  beforeEach(async () => {
    ({ context, page, cdp, authenticatorId } = await withVirtualAuthenticator(browser));
    await page.goto(`${origin}/`);
  });
  afterEach(async () => {
    await context?.close();
  });

  it('registers a passkey (a resident credential) and signs in with it, no password', async () => {
    const session = await signUp(auth);
    const registered = await page.evaluate(
      ([url, token]) => (window as any).registerPasskey(url, token),
      [auth.authUrl, session.access_token],
    );
    expect(registered.status).toBe(200);
    const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(credentials).toHaveLength(1);
    expect(credentials[0]!.isResidentCredential).toBe(true);
    // The user handle the server chose is the user id: that is how a discoverable sign-in finds the user.
    expect(Buffer.from(credentials[0]!.userHandle as string, 'base64').toString()).toBe(session.user.id);

    const signedIn = await page.evaluate((url) => (window as any).signInWithPasskey(url), auth.authUrl);
    expect(signedIn.status).toBe(200);
    expect(signedIn.body.user.id).toBe(session.user.id);
    expect(claims(signedIn.body.access_token)).toMatchObject({ aal: 'aal1', amr: [{ method: 'passkey' }] });
    // The authenticator counted the assertion; the server stored it and would refuse it going back.
    const after = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
    expect(after.credentials[0]!.signCount).toBeGreaterThan(0);
    await page.screenshot({ path: join(artifacts, 'passkey-sign-in.png') });
  });

  it('a WebAuthn factor as the second factor: registered at enrolment, then asserted to reach aal2 after a password sign-in', async () => {
    const session = await signUp(auth);
    const factorId = await page.evaluate(
      ([url, token]) => (window as any).enrolWebAuthnFactor(url, token),
      [auth.authUrl, session.access_token],
    );
    const first = await page.evaluate(
      ([url, token, id]) => (window as any).verifyWebAuthnFactor(url, token, id),
      [auth.authUrl, session.access_token, factorId],
    );
    expect(first.type).toBe('create');
    expect(first.verified.status).toBe(200);
    expect(claims(first.verified.body.access_token)).toMatchObject({ aal: 'aal2', session_id: claims(session.access_token).session_id });

    const later = await signIn(auth, session.user.email);
    expect(claims(later.access_token).aal).toBe('aal1');
    const second = await page.evaluate(
      ([url, token, id]) => (window as any).verifyWebAuthnFactor(url, token, id),
      [auth.authUrl, later.access_token, factorId],
    );
    expect(second.type).toBe('request');
    expect(second.verified.status).toBe(200);
    expect(claims(second.verified.body.access_token)).toMatchObject({ aal: 'aal2' });
    expect(claims(second.verified.body.access_token).amr[0].method).toBe('mfa/webauthn');
    await page.screenshot({ path: join(artifacts, 'webauthn-factor.png') });
  });

  it('the TOTP QR code renders as an image from the data URI supabase-js makes of it', async () => {
    const session = await signUp(auth);
    const reply = await fetch(`${auth.authUrl}/factors`, {
      method: 'POST',
      headers: { authorization: `Bearer ${session.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ factor_type: 'totp' }),
    });
    const { totp } = (await reply.json()) as { totp: { qr_code: string } };
    // Exactly what supabase-js's mfa.enroll() does with qr_code.
    const size = await page.evaluate(async (src) => {
      const img = document.createElement('img');
      img.src = src;
      document.body.append(img);
      await img.decode();
      return { width: img.naturalWidth, height: img.naturalHeight };
    }, `data:image/svg+xml;utf-8,${totp.qr_code}`);
    const intrinsic = Number(/width="(\d+)"/.exec(totp.qr_code)?.[1]);
    expect(intrinsic).toBeGreaterThan(100);
    expect(size).toEqual({ width: intrinsic, height: intrinsic });
    await page.screenshot({ path: join(artifacts, 'totp-qr-code.png') });
  });

  it('a passkey made on another origin’s page is refused by the server (the browser reports the true origin)', async () => {
    const strict = await startTestServer({ config: { passkeyEnabled: true, webauthnRpOrigins: ['http://localhost:1'] } });
    try {
      const session = await signUp(strict);
      const refused = await page.evaluate(
        ([url, token]) => (window as any).registerPasskey(url, token),
        [strict.authUrl, session.access_token],
      );
      expect(refused.status).toBe(400);
      expect(refused.body.code).toBe('webauthn_verification_failed');
    } finally {
      await strict.close();
    }
  });
});

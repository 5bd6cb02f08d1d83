/**
 * The email flows against a real Latchkey server (in-process, real HTTP, PGlite), not the scripted
 * GoTrue of test/flows: the mail is read from the server's dev outbox (`GET /admin/outbox` with
 * the secret key), links are followed over HTTP as a browser would (`redirect: 'manual'`), and
 * codes are typed from the message. Each test uses its own address: no state carried between tests.
 */
import { startTestServer, type TestServer } from '@latchkey/server/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createClient,
  detectSessionInUrl,
  exchangeCodeForSession,
  memoryStorage,
  resetPasswordForEmail,
  signInAnonymously,
  signInWithOtp,
  verifyOtp,
  type AuthChangeEvent,
  type FlowType,
  type LatchkeyClient,
} from '../../src/index.js';
import { uniqueKey } from '../helpers.js';

const PASSWORD = 'correct horse battery staple';
const SITE = 'https://app.example';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    config: { siteUrl: SITE, uriAllowList: ['https://other.example/callback'], externalAnonymousUsersEnabled: true },
  });
});

afterAll(async () => {
  await server?.close();
});

interface Mail {
  kind: string;
  to: string;
  subject?: string;
  link?: string;
  code?: string;
  text?: string;
}

/** The newest message the dev outbox holds for `to` (GET /admin/outbox, secret key). */
async function latestMail(to: string, on = server): Promise<Mail> {
  const response = await fetch(`${on.authUrl}/admin/outbox?to=${encodeURIComponent(to)}`, {
    headers: { authorization: `Bearer ${on.secretKey}` },
  });
  expect(response.status).toBe(200);
  const body = (await response.json()) as { transport: string; messages: Mail[] };
  expect(body.transport).toBe('outbox');
  const [mail] = body.messages;
  if (!mail) throw new Error(`no mail for ${to} in the dev outbox`);
  return mail;
}

/** Follows an email link as a browser would, one hop: where the auth server sends it. */
async function follow(link: string): Promise<URL> {
  const response = await fetch(link, { redirect: 'manual' });
  expect(response.status).toBe(303);
  return new URL(response.headers.get('location')!);
}

function client(flowType: FlowType = 'implicit', on = server): LatchkeyClient {
  return createClient({
    url: on.authUrl,
    clock: { now: () => on.clock() },
    storage: memoryStorage(),
    storageKey: uniqueKey(),
    autoRefresh: false,
    flowType,
  });
}

function events(auth: LatchkeyClient): AuthChangeEvent[] {
  const seen: AuthChangeEvent[] = [];
  auth.onAuthStateChange((event) => void seen.push(event));
  return seen;
}

const email = () => `${uniqueKey()}@example.com`;

async function registered(): Promise<string> {
  const address = email();
  const { error } = await client().signUp({ email: address, password: PASSWORD });
  expect(error).toBeNull();
  return address;
}

describe('email flows against the real server', () => {
  it('signInWithOtp → the code from the outbox → verifyOtp: signed in (a new user), SIGNED_IN', async () => {
    const auth = client();
    const seen = events(auth);
    const address = email();
    const sent = await signInWithOtp(auth, { email: address, data: { name: 'Ada' } });
    expect(sent).toEqual({ data: { user: null, session: null }, error: null });
    const mail = await latestMail(address);
    expect(mail.kind).toBe('magic_link');
    expect(mail.code).toMatch(/^\d{6}$/);
    expect(mail.text).toContain(mail.code);

    const { data, error } = await verifyOtp(auth, { type: 'email', email: address, token: mail.code! });
    expect(error).toBeNull();
    expect(data.user?.email).toBe(address);
    expect(data.user?.user_metadata).toMatchObject({ name: 'Ada' });
    expect((await auth.getSession()).data.session?.access_token).toBe(data.session?.access_token);
    expect(seen).toEqual(['INITIAL_SESSION', 'SIGNED_IN']);
    // The user is real: the session works at the server.
    expect((await auth.getUser()).data.user?.email).toBe(address);
    // A code works once.
    const again = await verifyOtp(client(), { type: 'email', email: address, token: mail.code! });
    expect(again.error?.code).toBe('otp_expired');
  });

  it('a wrong code is otp_expired and signs nothing in; the right one still works after', async () => {
    const auth = client();
    const address = await registered();
    await signInWithOtp(auth, { email: address, shouldCreateUser: false });
    const { code } = await latestMail(address);
    const wrong = code === '000000' ? '000001' : '000000';
    const refused = await verifyOtp(auth, { type: 'email', email: address, token: wrong });
    expect(refused.error?.code).toBe('otp_expired');
    expect((await auth.getSession()).data.session).toBeNull();
    expect((await verifyOtp(auth, { type: 'email', email: address, token: code! })).error).toBeNull();
  });

  it('magic link by its token hash → verifyOtp({ token_hash }): signed in', async () => {
    const auth = client();
    const seen = events(auth);
    const address = await registered();
    await signInWithOtp(auth, { email: address });
    const link = new URL((await latestMail(address)).link!);
    const tokenHash = link.searchParams.get('token')!;
    expect(link.searchParams.get('type')).toBe('magiclink');
    const { data, error } = await verifyOtp(auth, { type: 'magiclink', token_hash: tokenHash });
    expect(error).toBeNull();
    expect(data.session?.user.email).toBe(address);
    expect(seen).toEqual(['INITIAL_SESSION', 'SIGNED_IN']);
    // Spent: the link itself now lands on the app with the error in the fragment.
    const landed = await follow(link.href);
    expect(new URLSearchParams(landed.hash.slice(1)).get('error_code')).toBe('otp_expired');
  });

  it('resetPasswordForEmail → verifyOtp({ type: recovery }) → updateUser({ password }): PASSWORD_RECOVERY, then the new password signs in', async () => {
    const address = await registered();
    const other = client();
    expect((await other.signInWithPassword({ email: address, password: PASSWORD })).error).toBeNull();

    const auth = client();
    const seen = events(auth);
    expect(await resetPasswordForEmail(auth, address, { redirectTo: `${SITE}/new-password` })).toEqual({ data: {}, error: null });
    const mail = await latestMail(address);
    expect(mail.kind).toBe('recovery');
    expect(new URL(mail.link!).searchParams.get('redirect_to')).toBe(`${SITE}/new-password`);
    const { error } = await verifyOtp(auth, { type: 'recovery', email: address, token: mail.code! });
    expect(error).toBeNull();
    expect(seen).toEqual(['INITIAL_SESSION', 'PASSWORD_RECOVERY']);

    const newPassword = 'a brand new passphrase';
    const updated = await auth.updateUser({ password: newPassword });
    expect(updated.error).toBeNull();
    expect(seen.at(-1)).toBe('USER_UPDATED');
    expect((await client().signInWithPassword({ email: address, password: PASSWORD })).error?.code).toBe('invalid_credentials');
    expect((await client().signInWithPassword({ email: address, password: newPassword })).error).toBeNull();
    // Setting the password through recovery ends the user's other sessions.
    expect((await other.getUser()).error).not.toBeNull();
  });

  it('resetPasswordForEmail for an unknown address answers the same and mails nothing', async () => {
    const address = email();
    expect(await resetPasswordForEmail(client(), address)).toEqual({ data: {}, error: null });
    const response = await fetch(`${server.authUrl}/admin/outbox?to=${encodeURIComponent(address)}`, {
      headers: { authorization: `Bearer ${server.secretKey}` },
    });
    const { messages } = (await response.json()) as { messages: { status: string; link?: string }[] };
    expect(messages.every((message) => message.status === 'suppressed' && !message.link)).toBe(true);
  });

  it('implicit link: GET /verify lands on redirect_to with the session in the fragment; detectSessionInUrl signs in and cleans the URL', async () => {
    const address = await registered();
    await signInWithOtp(client(), { email: address, emailRedirectTo: `${SITE}/welcome` });
    const landed = await follow((await latestMail(address)).link!);
    expect(`${landed.origin}${landed.pathname}`).toBe(`${SITE}/welcome`);
    expect(new URLSearchParams(landed.hash.slice(1)).get('access_token')).toBeTruthy();

    const replaced: string[] = [];
    const win = {
      location: { href: landed.href },
      history: { state: null, replaceState: (_s: unknown, _u: string, url: string) => void replaced.push(url) },
    };
    (globalThis as { window?: unknown }).window = win;
    try {
      const auth = createClient({
        url: server.authUrl,
        clock: { now: () => server.clock() },
        storage: memoryStorage(),
        storageKey: uniqueKey(),
        autoRefresh: false,
        detectSessionInUrl,
      });
      const seen = events(auth);
      const { data, error } = await detectSessionInUrl(auth);
      expect(error).toBeNull();
      expect(data.session?.user.email).toBe(address);
      expect(data.redirectType).toBe('magiclink');
      expect(replaced).toEqual([`${SITE}/welcome`]);
      await expect.poll(() => seen).toEqual(['INITIAL_SESSION', 'SIGNED_IN']);
      expect((await auth.getUser()).data.user?.email).toBe(address);
    } finally {
      delete (globalThis as { window?: unknown }).window;
    }
  });

  it('a redirect_to outside the site and the allow list falls back to the site URL', async () => {
    const address = await registered();
    await signInWithOtp(client(), { email: address, emailRedirectTo: 'https://evil.example/steal' });
    const landed = await follow((await latestMail(address)).link!);
    expect(landed.origin).toBe(SITE);
    const listed = await registered();
    await signInWithOtp(client(), { email: listed, emailRedirectTo: 'https://other.example/callback' });
    expect((await follow((await latestMail(listed)).link!)).origin).toBe('https://other.example');
  });
});

describe('PKCE (flowType pkce) against the real server', () => {
  it('signInWithOtp → follow the link → ?code= → exchangeCodeForSession: SIGNED_IN; the code works once', async () => {
    const auth = client('pkce');
    const seen = events(auth);
    const address = await registered();
    await signInWithOtp(auth, { email: address, emailRedirectTo: `${SITE}/auth/callback` });
    const landed = await follow((await latestMail(address)).link!);
    expect(`${landed.origin}${landed.pathname}`).toBe(`${SITE}/auth/callback`);
    expect(landed.hash).toBe(''); // no tokens in the URL under PKCE
    const code = landed.searchParams.get('code')!;
    expect(code).toBeTruthy();

    const { data, error } = await exchangeCodeForSession(auth, code);
    expect(error).toBeNull();
    expect(data?.session.user.email).toBe(address);
    expect(data?.redirectType).toBeNull();
    expect(seen).toEqual(['INITIAL_SESSION', 'SIGNED_IN']);
    expect((await auth.getUser()).data.user?.email).toBe(address);
    // The verifier is gone with the exchange, and the code is spent.
    expect((await exchangeCodeForSession(auth, code)).error?.code).toBe('pkce_code_verifier_not_found');
  });

  it('the code without the verifier (another browser) signs nothing in, and does not spend it', async () => {
    const auth = client('pkce');
    const address = await registered();
    await signInWithOtp(auth, { email: address, emailRedirectTo: `${SITE}/auth/callback` });
    const code = (await follow((await latestMail(address)).link!)).searchParams.get('code')!;
    const elsewhere = client('pkce');
    expect((await exchangeCodeForSession(elsewhere, code)).error?.code).toBe('pkce_code_verifier_not_found');
    expect((await exchangeCodeForSession(auth, code)).error).toBeNull();
  });

  it('resetPasswordForEmail under PKCE: the exchange emits PASSWORD_RECOVERY, redirectType recovery; updateUser sets the password', async () => {
    const auth = client('pkce');
    const seen = events(auth);
    const address = await registered();
    await resetPasswordForEmail(auth, address, { redirectTo: `${SITE}/new-password` });
    const landed = await follow((await latestMail(address)).link!);
    expect(landed.pathname).toBe('/new-password');
    const { data, error } = await exchangeCodeForSession(auth, landed.searchParams.get('code')!);
    expect(error).toBeNull();
    expect(data?.redirectType).toBe('recovery');
    expect(seen).toEqual(['INITIAL_SESSION', 'PASSWORD_RECOVERY']);
    expect((await auth.updateUser({ password: 'recovered through pkce' })).error).toBeNull();
    expect((await client().signInWithPassword({ email: address, password: 'recovered through pkce' })).error).toBeNull();
  });

  it('an expired code (five minutes, by the server clock) is refused', async () => {
    const auth = client('pkce');
    const address = await registered();
    await signInWithOtp(auth, { email: address });
    const code = (await follow((await latestMail(address)).link!)).searchParams.get('code')!;
    server.clock.advance(6 * 60_000);
    const { error } = await exchangeCodeForSession(auth, code);
    expect(error?.code).toBe('flow_state_expired');
    expect((await auth.getSession()).data.session).toBeNull();
  });
});

describe('anonymous users against the real server', () => {
  it('signInAnonymously (SIGNED_IN), then updateUser({ email }) with sign-ups autoconfirmed: the address at once, then a password', async () => {
    const auth = client();
    const seen = events(auth);
    const { data, error } = await signInAnonymously(auth);
    expect(error).toBeNull();
    expect(data.user?.is_anonymous).toBe(true);
    expect(seen).toEqual(['INITIAL_SESSION', 'SIGNED_IN']);
    const address = email();
    const withEmail = await auth.updateUser({ email: address });
    expect(withEmail.error).toBeNull();
    expect(withEmail.data?.user.email).toBe(address);
    expect((await auth.updateUser({ password: PASSWORD })).error).toBeNull();
    expect((await client().signInWithPassword({ email: address, password: PASSWORD })).data.user?.id).toBe(data.user?.id);
  });

  describe('with confirmation by mail (LATCHKEY_MAILER_AUTOCONFIRM=false)', () => {
    let confirming: TestServer;
    beforeAll(async () => {
      confirming = await startTestServer({ config: { siteUrl: SITE, mailerAutoconfirm: false, externalAnonymousUsersEnabled: true } });
    });
    afterAll(async () => {
      await confirming?.close();
    });

    it('updateUser({ email }) mails the new address; its code (email_change) makes the user permanent', async () => {
      const auth = client('implicit', confirming);
      const { data } = await signInAnonymously(auth);
      const address = email();
      const asked = await auth.updateUser({ email: address });
      expect(asked.error).toBeNull();
      expect(asked.data?.user.new_email).toBe(address);
      const mail = await latestMail(address, confirming);
      expect(mail.kind).toBe('email_change');
      const seen = events(auth);
      const confirmed = await verifyOtp(auth, { type: 'email_change', email: address, token: mail.code! });
      expect(confirmed.error).toBeNull();
      expect(confirmed.data.user?.email).toBe(address);
      expect(confirmed.data.user?.id).toBe(data.user?.id);
      expect(confirmed.data.user?.is_anonymous).toBe(false);
      await expect.poll(() => seen).toContain('SIGNED_IN');
    });
  });
});

/**
 * POST /signup against hostile input (issue #12): metadata nested past any reader's stack, lone
 * surrogates, look-alike and malformed addresses, and the answers GoTrue gives to disabled
 * sign-ups, anonymous sign-ins and weak passwords.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, testDatabases, type TestServer } from '../../src/testing.js';
import { call, databaseCases, nestedJson, signUp, uniqueEmail } from '../helpers.js';

const PASSWORD = 'correct horse battery';

describe.each(databaseCases(testDatabases()))('POST /signup on %s', (_name, database) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ database });
  });
  afterAll(() => server?.close());

  const signup = (body: unknown) => call(server.authUrl, 'POST', '/signup', { body });
  const signupRaw = (rawBody: string) => call(server.authUrl, 'POST', '/signup', { rawBody });

  describe('metadata nested deeply', () => {
    it('32 levels are kept; 33 are validation_failed, not a stack overflow', async () => {
      const ok = await signupRaw(`{"email":"${uniqueEmail()}","password":"${PASSWORD}","data":${nestedJson(32)}}`);
      expect(ok.status).toBe(200);
      const deep = await signupRaw(`{"email":"${uniqueEmail()}","password":"${PASSWORD}","data":${nestedJson(33)}}`);
      expect(deep.status).toBe(400);
      expect(deep.body).toEqual({ code: 'validation_failed', message: 'data: must not be nested deeper than 32 levels' });
    });

    it('thousands of levels (in data or anywhere in the body) are a 400, not a 500', async () => {
      for (const levels of [5_000, 10_000]) {
        const inData = await signupRaw(`{"email":"${uniqueEmail()}","password":"${PASSWORD}","data":${nestedJson(levels)}}`);
        expect(inData.status).toBe(400);
        expect(inData.body.code).toBe('validation_failed');
        const elsewhere = await signupRaw(`{"email":"${uniqueEmail()}","password":"${PASSWORD}","x":${nestedJson(levels)}}`);
        expect(elsewhere.status).toBe(400);
        expect(elsewhere.body.code).toBe('validation_failed');
      }
      const arrays = await signupRaw(`{"data":{"a":${'['.repeat(30_000)}${']'.repeat(30_000)}}}`);
      expect(arrays.status).toBe(400);
    });
  });

  describe('lone UTF-16 surrogates', () => {
    it.each([
      ['a metadata value', { data: { name: 'Ada\ud800' } }],
      ['a metadata key', { data: { ['\udc00key']: 1 } }],
      ['a nested metadata value', { data: { a: [{ b: '\udfff' }] } }],
    ])('in %s: validation_failed, not a 500 from the database', async (_label, extra) => {
      const reply = await signup({ email: uniqueEmail(), password: PASSWORD, ...extra });
      expect(reply.status).toBe(400);
      expect(reply.body.code).toBe('validation_failed');
      expect(reply.body.message).toMatch(/lone UTF-16 surrogate/);
    });

    it('in an email: refused, so two different lone surrogates cannot become one account', async () => {
      const label = uniqueEmail().split('@')[0];
      for (const surrogate of ['\ud800', '\udbff', '\udc00']) {
        const reply = await signup({ email: `${label}${surrogate}@example.com`, password: PASSWORD });
        expect(reply.status).toBe(400);
        expect(reply.body).toEqual({ code: 'validation_failed', message: 'Unable to validate email address: invalid format' });
      }
    });

    it('in a password: refused (UTF-8 would hash every lone surrogate as U+FFFD)', async () => {
      const reply = await signup({ email: uniqueEmail(), password: `${PASSWORD}\ud800` });
      expect(reply.status).toBe(400);
      expect(reply.body.code).toBe('validation_failed');
    });

    it('paired surrogates (emoji) are fine everywhere', async () => {
      const reply = await signup({ email: uniqueEmail(), password: `${PASSWORD} 🔑`, data: { '🙂': 'Ada 🚀' } });
      expect(reply.status).toBe(200);
      expect(reply.body.user.user_metadata).toEqual({ '🙂': 'Ada 🚀' });
    });
  });

  it('a __proto__ key in metadata is stored like any other key (GoTrue keeps it)', async () => {
    const reply = await signupRaw(`{"email":"${uniqueEmail()}","password":"${PASSWORD}","data":{"__proto__":{"x":1},"a":2}}`);
    expect(reply.status).toBe(200);
    expect(Object.keys(reply.body.user.user_metadata).sort()).toEqual(['__proto__', 'a']);
  });

  describe('email addresses', () => {
    it.each(['xx:;x@x.x', 'q(u)o,te@x.x', '"a b"@x.x', 'a@x_y.x', ' @x.x'])('%s is refused with GoTrue message', async (email) => {
      const reply = await signup({ email, password: PASSWORD });
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({ code: 'validation_failed', message: 'Unable to validate email address: invalid format' });
    });

    it('composed, decomposed and full-width spellings of one address are one account', async () => {
      const label = uniqueEmail('jos\u00e9').split('@')[0] as string;
      const nfc = `${label}@example.com`;
      const first = await signup({ email: nfc, password: PASSWORD });
      expect(first.status).toBe(200);
      expect(first.body.user.email).toBe(nfc);
      const nfd = nfc.normalize('NFD');
      expect(nfd).not.toBe(nfc);
      const fullWidth = [...label.toUpperCase()]
        .map((c) => (c >= 'A' && c <= 'Z' ? String.fromCodePoint(c.codePointAt(0)! + 0xfee0) : c))
        .join('');
      for (const email of [nfd, `${fullWidth}＠ｅｘａｍｐｌｅ．ｃｏｍ`, nfc.toUpperCase()]) {
        const again = await signup({ email, password: PASSWORD });
        expect(again.status, email).toBe(422);
        expect(again.body.code).toBe('user_already_exists');
      }
      // And the owner signs in with whichever spelling their keyboard produces.
      const signIn = await call(server.authUrl, 'POST', '/token?grant_type=password', { body: { email: nfd, password: PASSWORD } });
      expect(signIn.status).toBe(200);
      expect(signIn.body.user.id).toBe(first.body.user.id);
    });

    it.each([
      ['a zero-width space', '\u200b'],
      ['a zero-width joiner', '\u200d'],
      ['a right-to-left override', '\u202e'],
      ['a soft hyphen', '\u00ad'],
    ])('an address with %s is refused, not a look-alike second account', async (_label, invisible) => {
      const email = uniqueEmail();
      expect((await signup({ email, password: PASSWORD })).status).toBe(200);
      const lookalike = await signup({ email: email.replace('@', `${invisible}@`), password: PASSWORD });
      expect(lookalike.status).toBe(400);
      expect(lookalike.body.message).toBe('Unable to validate email address: invalid format');
    });
  });

  describe('anonymous sign-ins (no email, no phone) are disabled, as GoTrue answers', () => {
    it.each([
      ['an empty body', {}],
      ['metadata only (signInAnonymously({ options: { data } }))', { data: { theme: 'dark' } }],
      ['a password only', { password: PASSWORD }],
      ['an empty email', { email: '', password: PASSWORD }],
    ])('%s', async (_label, body) => {
      const reply = await signup(body);
      expect(reply.status).toBe(422);
      expect(reply.body).toEqual({ code: 'anonymous_provider_disabled', message: 'Anonymous sign-ins are disabled' });
    });

    it('a phone number: phone sign-ups are disabled', async () => {
      const reply = await signup({ phone: '+15555550100', password: PASSWORD });
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({ code: 'phone_provider_disabled', message: 'Phone signups are disabled' });
    });

    it('an email and no password: GoTrue message', async () => {
      const reply = await signup({ email: uniqueEmail() });
      expect(reply.status).toBe(400);
      expect(reply.body).toEqual({ code: 'validation_failed', message: 'Signup requires a valid password' });
    });
  });
});

describe('LATCHKEY_DISABLE_SIGNUP', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({ config: { disableSignup: true } });
  });
  afterAll(() => server?.close());

  it("POST /signup is GoTrue's 422 signup_disabled; /settings says so; admins still create users", async () => {
    const reply = await call(server.authUrl, 'POST', '/signup', { body: { email: uniqueEmail(), password: PASSWORD } });
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({ code: 'signup_disabled', message: 'Signups not allowed for this instance' });
    expect((await call(server.authUrl, 'GET', '/settings')).body.disable_signup).toBe(true);
    const email = uniqueEmail();
    const created = await call(server.authUrl, 'POST', '/admin/users', {
      token: server.secretKey,
      body: { email, password: PASSWORD, email_confirm: true },
    });
    expect(created.status).toBe(200);
    const signIn = await call(server.authUrl, 'POST', '/token?grant_type=password', { body: { email, password: PASSWORD } });
    expect(signIn.status).toBe(200);
  });

  it('sign-ups are on by default, and /settings says so', async () => {
    const open = await startTestServer();
    try {
      expect((await call(open.authUrl, 'GET', '/settings')).body.disable_signup).toBe(false);
      await signUp(open);
    } finally {
      await open.close();
    }
  });
});

describe('password policy', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer({
      config: { passwordMinLength: 12, passwordRequiredCharacters: 'abcdefghijklmnopqrstuvwxyz:0123456789' },
    });
  });
  afterAll(() => server?.close());
  const signup = (password: string) => call(server.authUrl, 'POST', '/signup', { body: { email: uniqueEmail(), password } });
  const SETS = 'abcdefghijklmnopqrstuvwxyz, 0123456789';

  it('LATCHKEY_PASSWORD_MIN_LENGTH: shorter is weak_password ["length"] with GoTrue message', async () => {
    const reply = await signup('abcdefgh123');
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({
      code: 'weak_password',
      message: 'Password should be at least 12 characters.',
      weak_password: { reasons: ['length'] },
    });
    expect((await signup('abcdefgh1234')).status).toBe(200);
  });

  it('LATCHKEY_PASSWORD_REQUIRED_CHARACTERS: a missing set is weak_password ["characters"] naming every set', async () => {
    const reply = await signup('abcdefghijklmnop');
    expect(reply.status).toBe(422);
    expect(reply.body).toEqual({
      code: 'weak_password',
      message: `Password should contain at least one character of each: ${SETS}.`,
      weak_password: { reasons: ['characters'] },
    });
  });

  it('both at once: both reasons, both sentences', async () => {
    const reply = await signup('ABC');
    expect(reply.body.weak_password.reasons).toEqual(['length', 'characters']);
    expect(reply.body.message).toBe(
      `Password should be at least 12 characters. Password should contain at least one character of each: ${SETS}.`,
    );
  });

  it('length counts characters, not UTF-16 units: eleven emoji are too short for 12', async () => {
    const reply = await signup(`${'🔑'.repeat(10)}a1`);
    expect(reply.status).toBe(200);
    expect((await signup(`${'🔑'.repeat(9)}a1`)).body.weak_password.reasons).toEqual(['length']);
  });
});

/**
 * /verify and the PKCE exchange: GoTrue's validation answers; a token used once even by parallel
 * requests; a banned user's token kept for later; links of PKCE flows giving ?code= that only the
 * verifier's holder can exchange, once, within five minutes; errors sent to the app as GoTrue
 * sends them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabases } from '../../../src/testing.js';
import { call, databaseCases, signUp, uniqueEmail } from '../../helpers.js';
import { follow, nextLink, SITE_URL, startMailTestServer, tokenOf, type MailTestServer } from '../../support/email.js';

function pkcePair(method: 's256' | 'plain' = 's256') {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = method === 's256' ? createHash('sha256').update(verifier).digest('base64url') : verifier;
  return { verifier, challenge, method };
}

describe.each(databaseCases(testDatabases()))('/verify on %s', (_name, database) => {
  let t: MailTestServer;
  beforeAll(async () => {
    t = await startMailTestServer(database);
  });
  afterAll(() => t?.close());

  const verify = (body: unknown) => call(t.server.authUrl, 'POST', '/verify', { body });
  const exchange = (body: unknown) => call(t.server.authUrl, 'POST', '/token?grant_type=pkce', { body });

  async function magicLink(email: string, extra: Record<string, unknown> = {}, query = ''): Promise<string> {
    const reply = await call(t.server.authUrl, 'POST', `/otp${query}`, { body: { email, ...extra } });
    expect(reply.status).toBe(200);
    return (await nextLink(t.smtp, email)).link;
  }

  it.each([
    [{}, 'Verify requires a verification type'],
    [{ type: 'signup' }, 'Verify requires either a token or a token hash'],
    [{ type: 'signup', token: '123456', token_hash: 'abc' }, 'Verify requires either a token or a token hash'],
    [{ type: 'signup', token: '123456' }, 'Only an email address or phone number should be provided on verify'],
    [{ type: 'signup', token_hash: 'abc', email: 'a@example.com' }, 'Only the token_hash and type should be provided'],
    [{ type: 'sms_but_wrong', token_hash: 'abc' }, 'Invalid email verification type'],
  ])('POST %j → 400 validation_failed', async (body, message) => {
    const reply = await verify(body);
    expect(reply.status).toBe(400);
    expect(reply.body).toEqual({ code: 'validation_failed', message });
  });

  it('a token_hash that was never issued is 403 otp_expired, as GoTrue says it', async () => {
    for (const tokenHash of ['0'.repeat(64), 'not-even-hex']) {
      const reply = await verify({ type: 'magiclink', token_hash: tokenHash });
      expect(reply.status).toBe(403);
      expect(reply.body).toEqual({ code: 'otp_expired', message: 'Email link is invalid or has expired' });
    }
  });

  it('a token of another type does not verify (a sign-in link is not a confirmation)', async () => {
    const email = uniqueEmail();
    await signUp(t.server, email);
    const link = await magicLink(email);
    expect((await verify({ type: 'signup', token_hash: tokenOf(link) })).status).toBe(403);
    expect((await verify({ type: 'magiclink', token_hash: tokenOf(link) })).status).toBe(200);
  });

  it('twenty parallel uses of one token: exactly one session', async () => {
    const email = uniqueEmail();
    const link = await magicLink(email);
    const replies = await Promise.all(Array.from({ length: 20 }, () => verify({ type: 'magiclink', token_hash: tokenOf(link) })));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(1);
    expect(replies.filter((r) => r.status === 403)).toHaveLength(19);
  });

  it("a banned user's link answers user_banned and stays usable once the ban is lifted", async () => {
    const email = uniqueEmail();
    const { user } = await signUp(t.server, email);
    const link = await magicLink(email);
    await call(t.server.authUrl, 'PUT', `/admin/users/${user.id}`, { token: t.server.secretKey, body: { ban_duration: '1h' } });
    const refused = await follow(link);
    expect(Object.fromEntries(refused.fragment)).toEqual({
      error: 'access_denied',
      error_code: 'user_banned',
      error_description: 'User is banned',
      sb: '',
    });
    await call(t.server.authUrl, 'PUT', `/admin/users/${user.id}`, { token: t.server.secretKey, body: { ban_duration: 'none' } });
    expect((await follow(link)).fragment.get('access_token')).toBeTruthy();
  });

  it('GET /verify without a type or token is a 400 (nothing to redirect for)', async () => {
    expect((await call(t.server.authUrl, 'GET', '/verify?token=abc')).body).toEqual({
      code: 'validation_failed',
      message: 'Verify requires a verification type',
    });
    expect((await call(t.server.authUrl, 'GET', '/verify?type=signup')).status).toBe(400);
  });

  describe('PKCE', () => {
    it('s256: the link gives ?code= (no session in the URL); the verifier exchanges it once for a session (amr magiclink)', async () => {
      const email = uniqueEmail();
      const { verifier, challenge } = pkcePair();
      const link = await magicLink(
        email,
        { code_challenge: challenge, code_challenge_method: 's256' },
        `?redirect_to=${encodeURIComponent(`${SITE_URL}/callback?next=%2Fhome`)}`,
      );
      const landed = await follow(link);
      expect(landed.status).toBe(303);
      expect(landed.url.origin + landed.url.pathname).toBe(`${SITE_URL}/callback`);
      expect(landed.url.searchParams.get('next')).toBe('/home');
      const code = landed.url.searchParams.get('code')!;
      expect(code).toMatch(/^[0-9a-f]{64}$/);
      expect(landed.url.hash).toBe('');
      const session = await exchange({ auth_code: code, code_verifier: verifier });
      expect(session.status).toBe(200);
      expect(session.body.user.email).toBe(email);
      const claims = JSON.parse(Buffer.from(session.body.access_token.split('.')[1], 'base64url').toString());
      expect(claims.amr[0].method).toBe('magiclink');
      const again = await exchange({ auth_code: code, code_verifier: verifier });
      expect(again.status).toBe(404);
      expect(again.body).toEqual({ code: 'flow_state_not_found', message: 'invalid flow state, no valid flow state found' });
    });

    it('a wrong verifier is bad_code_verifier and consumes nothing; the right one still works', async () => {
      const email = uniqueEmail();
      const { verifier, challenge } = pkcePair();
      const code = (
        await follow(await magicLink(email, { code_challenge: challenge, code_challenge_method: 's256' }))
      ).url.searchParams.get('code')!;
      const wrong = await exchange({ auth_code: code, code_verifier: pkcePair().verifier });
      expect(wrong.status).toBe(400);
      expect(wrong.body).toEqual({ code: 'bad_code_verifier', message: 'code challenge does not match previously saved code verifier' });
      expect((await exchange({ auth_code: code, code_verifier: verifier })).status).toBe(200);
    });

    it('plain: the verifier is the challenge', async () => {
      const email = uniqueEmail();
      const { verifier, challenge } = pkcePair('plain');
      const code = (
        await follow(await magicLink(email, { code_challenge: challenge, code_challenge_method: 'plain' }))
      ).url.searchParams.get('code')!;
      expect((await exchange({ auth_code: code, code_verifier: verifier })).status).toBe(200);
    });

    it('an auth code expires after five minutes', async () => {
      const email = uniqueEmail();
      const { verifier, challenge } = pkcePair();
      const code = (
        await follow(await magicLink(email, { code_challenge: challenge, code_challenge_method: 'S256' }))
      ).url.searchParams.get('code')!;
      t.server.clock.advance(301_000);
      const late = await exchange({ auth_code: code, code_verifier: verifier });
      expect(late.status).toBe(422);
      expect(late.body).toEqual({ code: 'flow_state_expired', message: 'invalid flow state, flow state has expired' });
    });

    it('recovery with PKCE: the exchanged session is a recovery session', async () => {
      const email = uniqueEmail();
      await signUp(t.server, email);
      const { verifier, challenge } = pkcePair();
      await call(t.server.authUrl, 'POST', '/recover', { body: { email, code_challenge: challenge, code_challenge_method: 's256' } });
      const code = (await follow((await nextLink(t.smtp, email)).link)).url.searchParams.get('code')!;
      const session = await exchange({ auth_code: code, code_verifier: verifier });
      const claims = JSON.parse(Buffer.from(session.body.access_token.split('.')[1], 'base64url').toString());
      expect(claims.amr[0].method).toBe('recovery');
    });

    it('a spent PKCE link brings its error in the query too, where a server-side callback can read it', async () => {
      const email = uniqueEmail();
      const { challenge } = pkcePair();
      const link = await magicLink(email, { code_challenge: challenge, code_challenge_method: 's256' });
      expect(tokenOf(link).startsWith('pkce_')).toBe(true);
      expect((await follow(link)).url.searchParams.get('code')).toBeTruthy();
      const spent = await follow(link);
      expect(spent.status).toBe(303);
      expect(spent.url.searchParams.get('error_code')).toBe('otp_expired');
      expect(new URLSearchParams(spent.url.hash.slice(1)).get('error_code')).toBe('otp_expired');
      // A link without PKCE keeps its error in the fragment only (the browser's business).
      const implicit = await magicLink(uniqueEmail(), {});
      await follow(implicit);
      const spentImplicit = await follow(implicit);
      expect(spentImplicit.url.searchParams.get('error_code')).toBeNull();
      expect(new URLSearchParams(spentImplicit.url.hash.slice(1)).get('error_code')).toBe('otp_expired');
    });

    it("POST /verify of a PKCE flow's token still answers a session (as GoTrue)", async () => {
      const email = uniqueEmail();
      const { challenge } = pkcePair();
      const link = await magicLink(email, { code_challenge: challenge, code_challenge_method: 's256' });
      expect((await verify({ type: 'magiclink', token_hash: tokenOf(link) })).body.access_token).toBeTruthy();
    });

    it.each([
      [{}, 400, 'validation_failed'],
      [{ auth_code: 'x' }, 400, 'validation_failed'],
      [{ auth_code: 'f'.repeat(64), code_verifier: 'v'.repeat(43) }, 404, 'flow_state_not_found'],
    ])('exchange %j → %i %s', async (body, status, code) => {
      const reply = await exchange(body);
      expect(reply.status).toBe(status);
      expect(reply.body.code).toBe(code);
    });
  });
});

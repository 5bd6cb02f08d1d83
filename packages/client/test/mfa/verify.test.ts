/**
 * mfa.challenge / verify / challengeAndVerify: GoTrue's paths and bodies; verify stores the aal2
 * session under the refresh lock and emits MFA_CHALLENGE_VERIFIED after it; a refresh racing it
 * never leaves the pre-verify token stored.
 */
import { describe, expect, it } from 'vitest';
import { refreshSession } from '../../src/flows/refresh-session.js';
import { challenge } from '../../src/mfa/challenge.js';
import { challengeAndVerify } from '../../src/mfa/challenge-and-verify.js';
import { verify } from '../../src/mfa/verify.js';
import {
  deferred,
  fakeClock,
  fakeServer,
  json,
  observedLock,
  REFRESH,
  serverError,
  session,
  testClient,
  tokenBody,
  type Call,
} from '../helpers.js';
import { USER_WITH_FACTOR } from './helpers.js';

const FACTOR = '11111111-1111-4111-8111-111111111111';

describe('mfa.challenge', () => {
  it('POST /factors/:id/challenge with the bearer token → { id, type, expires_at }', async () => {
    const clock = fakeClock();
    const server = fakeServer({ [`POST /factors/${FACTOR}/challenge`]: () => json(200, { id: 'c1', type: 'totp', expires_at: 99 }) });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    expect(await challenge(t.auth, { factorId: FACTOR })).toEqual({ data: { id: 'c1', type: 'totp', expires_at: 99 }, error: null });
    expect(server.calls[0]?.headers.get('authorization')).toBe('Bearer access-1');
  });

  it('an id that would change the path is encoded; an empty one is refused before any request', async () => {
    const clock = fakeClock();
    const server = fakeServer({});
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    expect((await challenge(t.auth, { factorId: '' })).error?.code).toBe('invalid_argument');
    await challenge(t.auth, { factorId: '../user' });
    expect(server.calls.map((c) => c.path)).toEqual(['/factors/..%2Fuser/challenge']);
  });
});

describe('mfa.verify', () => {
  it('{ challenge_id, code }; stores the returned session and emits MFA_CHALLENGE_VERIFIED with it', async () => {
    const clock = fakeClock();
    const server = fakeServer({ [`POST /factors/${FACTOR}/verify`]: () => json(200, tokenBody(2, 3600, USER_WITH_FACTOR)) });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    const { data, error } = await verify(t.auth, { factorId: FACTOR, challengeId: 'c1', code: '123456' });
    expect(error).toBeNull();
    expect(server.calls[0]?.body).toEqual({ challenge_id: 'c1', code: '123456' });
    expect(server.calls[0]?.headers.get('authorization')).toBe('Bearer access-1');
    expect(data.session?.refresh_token).toBe('refresh-2');
    expect((await t.stored())?.refresh_token).toBe('refresh-2');
    expect(t.emitted.at(-1)).toEqual(['MFA_CHALLENGE_VERIFIED', data.session]);
  });

  it('a WebAuthn credential goes as { webauthn: { type, credential_response } }, serialized by its toJSON()', async () => {
    const clock = fakeClock();
    const server = fakeServer({ [`POST /factors/${FACTOR}/verify`]: () => json(200, tokenBody(2)) });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    const credential = { rawId: new ArrayBuffer(2), toJSON: () => ({ id: 'cred', type: 'public-key' }) };
    await verify(t.auth, { factorId: FACTOR, challengeId: 'c1', webauthn: { type: 'request', credential_response: credential } });
    expect(server.calls[0]?.body).toEqual({
      challenge_id: 'c1',
      webauthn: { type: 'request', credential_response: { id: 'cred', type: 'public-key' } },
    });
  });

  it('a wrong code: mfa_verification_failed, the session untouched, no event', async () => {
    const clock = fakeClock();
    const server = fakeServer({ [`POST /factors/${FACTOR}/verify`]: () => serverError(422, 'mfa_verification_failed') });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    const { error } = await verify(t.auth, { factorId: FACTOR, challengeId: 'c1', code: '000000' });
    expect(error).toMatchObject({ code: 'mfa_verification_failed', status: 422 });
    expect((await t.stored())?.refresh_token).toBe('refresh-1');
    expect(t.events()).toEqual(['INITIAL_SESSION', 'SIGNED_IN']); // the session the test stored; nothing after
  });

  it('sends under the refresh lock; listeners run after it is released', async () => {
    const clock = fakeClock();
    const lock = observedLock();
    const heldDuringRequest: boolean[] = [];
    const server = fakeServer({
      [`POST /factors/${FACTOR}/verify`]: () => {
        heldDuringRequest.push(lock.held());
        return json(200, tokenBody(2));
      },
    });
    const t = await testClient({ fetch: server.fetch, clock, lock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    const heldInListener: boolean[] = [];
    t.auth.onAuthStateChange((event) => {
      if (event === 'MFA_CHALLENGE_VERIFIED') heldInListener.push(lock.held());
    });
    await verify(t.auth, { factorId: FACTOR, challengeId: 'c1', code: '123456' });
    expect(heldDuringRequest).toEqual([true]);
    expect(heldInListener).toEqual([false]);
  });

  it('a refresh in flight finishes first, and verify sends (and supersedes) its successor', async () => {
    const clock = fakeClock();
    const refreshAnswer = deferred<Response>();
    const order: string[] = [];
    const server = fakeServer({
      [REFRESH]: () => {
        order.push('refresh');
        return refreshAnswer.promise;
      },
      [`POST /factors/${FACTOR}/verify`]: (call: Call) => {
        order.push(`verify with ${call.headers.get('authorization')}`);
        return json(200, tokenBody(3));
      },
    });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    const refreshing = refreshSession(await internalsOf(t.auth));
    await new Promise((resolve) => setImmediate(resolve));
    const verifying = verify(t.auth, { factorId: FACTOR, challengeId: 'c1', code: '123456' });
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['refresh']);
    refreshAnswer.resolve(json(200, tokenBody(2)));
    await refreshing;
    expect((await verifying).error).toBeNull();
    expect(order).toEqual(['refresh', 'verify with Bearer access-2']);
    expect((await t.stored())?.refresh_token).toBe('refresh-3');
  });

  it('a refresh asked for while verify is in flight adopts the verified session: no request, the pre-verify token never comes back', async () => {
    const clock = fakeClock();
    const verifyAnswer = deferred<Response>();
    const server = fakeServer({
      [REFRESH]: () => json(200, tokenBody(9)),
      [`POST /factors/${FACTOR}/verify`]: () => verifyAnswer.promise,
    });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    const verifying = verify(t.auth, { factorId: FACTOR, challengeId: 'c1', code: '123456' });
    await new Promise((resolve) => setImmediate(resolve));
    const refreshing = t.auth.refreshSession();
    await new Promise((resolve) => setImmediate(resolve));
    verifyAnswer.resolve(json(200, tokenBody(2)));
    await verifying;
    const refreshed = await refreshing;
    expect(server.count(REFRESH)).toBe(0);
    expect(refreshed.data.session?.refresh_token).toBe('refresh-2');
    expect((await t.stored())?.refresh_token).toBe('refresh-2');
  });

  it('signed out while waiting for the lock: session_missing, nothing stored', async () => {
    const clock = fakeClock();
    const server = fakeServer({ [`POST /factors/${FACTOR}/verify`]: () => json(200, tokenBody(2)) });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    await t.auth.getSession();
    await t.storage.removeItem(t.key); // another tab signed out
    // The stored session is read again under the lock.
    const { error } = await verify(t.auth, { factorId: FACTOR, challengeId: 'c1', code: '123456' });
    expect(error?.code).toBe('session_missing');
    expect(server.calls).toEqual([]);
    expect(await t.stored()).toBeNull();
  });

  it('refuses a missing challengeId or proof before any request', async () => {
    const clock = fakeClock();
    const server = fakeServer({});
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    expect((await verify(t.auth, { factorId: FACTOR, challengeId: '', code: '1' })).error?.code).toBe('invalid_argument');
    expect((await verify(t.auth, { factorId: FACTOR, challengeId: 'c1' } as never)).error?.code).toBe('invalid_argument');
    expect(server.calls).toEqual([]);
  });
});

describe('mfa.challengeAndVerify', () => {
  it('a challenge, then its verification with the code', async () => {
    const clock = fakeClock();
    const server = fakeServer({
      [`POST /factors/${FACTOR}/challenge`]: () => json(200, { id: 'c7', type: 'totp', expires_at: 1 }),
      [`POST /factors/${FACTOR}/verify`]: () => json(200, tokenBody(2)),
    });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    const { error } = await challengeAndVerify(t.auth, { factorId: FACTOR, code: '123456' });
    expect(error).toBeNull();
    expect(server.calls.map((c) => [c.path, c.body])).toEqual([
      [`/factors/${FACTOR}/challenge`, {}],
      [`/factors/${FACTOR}/verify`, { challenge_id: 'c7', code: '123456' }],
    ]);
  });

  it('a failed challenge is returned as is, with no verification', async () => {
    const clock = fakeClock();
    const server = fakeServer({ [`POST /factors/${FACTOR}/challenge`]: () => serverError(404, 'mfa_factor_not_found') });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    const result = await challengeAndVerify(t.auth, { factorId: FACTOR, code: '123456' });
    expect(result).toMatchObject({ data: { user: null, session: null }, error: { code: 'mfa_factor_not_found' } });
    expect(server.calls).toHaveLength(1);
  });
});

/** The context behind a test client (for calling a flow module directly). */
async function internalsOf(auth: unknown) {
  const { INTERNALS } = await import('../../src/internals.js');
  return new Promise<import('../../src/context.js').Context>((resolve) =>
    (auth as Record<symbol, (fn: (ctx: any) => Promise<unknown>) => Promise<unknown>>)[INTERNALS]!(async (ctx) => resolve(ctx)),
  );
}

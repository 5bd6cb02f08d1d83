/** mfa.unenroll, listFactors, getAuthenticatorAssuranceLevel. */
import { describe, expect, it } from 'vitest';
import { getAuthenticatorAssuranceLevel } from '../../src/mfa/assurance-level.js';
import { listFactors } from '../../src/mfa/list-factors.js';
import { unenroll } from '../../src/mfa/unenroll.js';
import { fakeClock, fakeServer, json, REFRESH, serverError, session, testClient, tokenBody, USER } from '../helpers.js';
import { jwt, USER_WITH_FACTOR, VERIFIED_TOTP } from './helpers.js';

const UNVERIFIED = { ...VERIFIED_TOTP, id: '22222222-2222-4222-8222-222222222222', factor_type: 'webauthn', status: 'unverified' };

describe('mfa.unenroll', () => {
  it('DELETE /factors/:id; a verified factor’s removal refreshes the session (its level and factors change)', async () => {
    const clock = fakeClock();
    const server = fakeServer({
      [`DELETE /factors/${VERIFIED_TOTP.id}`]: () => json(200, { id: VERIFIED_TOTP.id }),
      [REFRESH]: () => json(200, tokenBody(2)),
    });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify({ ...session(1, clock.now()), user: USER_WITH_FACTOR }));
    expect(await unenroll(t.auth, { factorId: VERIFIED_TOTP.id })).toEqual({ data: { id: VERIFIED_TOTP.id }, error: null });
    expect(server.calls.map((c) => `${c.method} ${c.path}`)).toEqual([`DELETE /factors/${VERIFIED_TOTP.id}`, REFRESH]);
    expect((await t.stored())?.refresh_token).toBe('refresh-2');
  });

  it('an unverified factor: no refresh', async () => {
    const clock = fakeClock();
    const server = fakeServer({ [`DELETE /factors/${UNVERIFIED.id}`]: () => json(200, { id: UNVERIFIED.id }) });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify({ ...session(1, clock.now()), user: { ...USER, factors: [UNVERIFIED] } }));
    await unenroll(t.auth, { factorId: UNVERIFIED.id });
    expect(server.count(REFRESH)).toBe(0);
  });

  it('insufficient_aal comes back coded; nothing refreshed', async () => {
    const clock = fakeClock();
    const server = fakeServer({ [`DELETE /factors/${VERIFIED_TOTP.id}`]: () => serverError(422, 'insufficient_aal') });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    expect((await unenroll(t.auth, { factorId: VERIFIED_TOTP.id })).error?.code).toBe('insufficient_aal');
    expect(server.count(REFRESH)).toBe(0);
  });
});

describe('mfa.listFactors', () => {
  it('GET /user; all factors, and the verified ones by type', async () => {
    const clock = fakeClock();
    const server = fakeServer({ 'GET /user': () => json(200, { ...USER, factors: [VERIFIED_TOTP, UNVERIFIED] }) });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    const { data } = await listFactors(t.auth);
    expect(data).toEqual({ all: [VERIFIED_TOTP, UNVERIFIED], totp: [VERIFIED_TOTP], webauthn: [], phone: [] });
  });

  it('a user without factors (GoTrue omits the empty list)', async () => {
    const clock = fakeClock();
    const server = fakeServer({ 'GET /user': () => json(200, USER) });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    expect((await listFactors(t.auth)).data).toEqual({ all: [], totp: [], webauthn: [], phone: [] });
  });
});

describe('mfa.getAuthenticatorAssuranceLevel', () => {
  const amr = [{ method: 'password', timestamp: 1 }];

  it('aal1 with a verified factor: nextLevel aal2; amr from the token; no request', async () => {
    const clock = fakeClock();
    const server = fakeServer({});
    const t = await testClient({ fetch: server.fetch, clock });
    const stored = { ...session(1, clock.now()), access_token: jwt({ aal: 'aal1', amr }), user: USER_WITH_FACTOR };
    await t.storage.setItem(t.key, JSON.stringify(stored));
    expect((await getAuthenticatorAssuranceLevel(t.auth)).data).toEqual({
      currentLevel: 'aal1',
      nextLevel: 'aal2',
      currentAuthenticationMethods: amr,
    });
    expect(server.calls).toEqual([]);
  });

  it('aal2 stays aal2; no factor: nextLevel is the current level', async () => {
    const clock = fakeClock();
    const t = await testClient({ fetch: fakeServer({}).fetch, clock });
    await t.storage.setItem(
      t.key,
      JSON.stringify({ ...session(1, clock.now()), access_token: jwt({ aal: 'aal2', amr }), user: USER_WITH_FACTOR }),
    );
    expect((await getAuthenticatorAssuranceLevel(t.auth)).data).toMatchObject({ currentLevel: 'aal2', nextLevel: 'aal2' });
    await t.storage.setItem(t.key, JSON.stringify({ ...session(2, clock.now()), access_token: jwt({ aal: 'aal1', amr }) }));
    expect((await getAuthenticatorAssuranceLevel(t.auth)).data).toMatchObject({ currentLevel: 'aal1', nextLevel: 'aal1' });
  });

  it('no session: all null and no methods; an unreadable token: currentLevel null', async () => {
    const clock = fakeClock();
    const t = await testClient({ fetch: fakeServer({}).fetch, clock });
    expect(await getAuthenticatorAssuranceLevel(t.auth)).toEqual({
      data: { currentLevel: null, nextLevel: null, currentAuthenticationMethods: [] },
      error: null,
    });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now()))); // access-1: not a JWT
    expect((await getAuthenticatorAssuranceLevel(t.auth)).data).toEqual({
      currentLevel: null,
      nextLevel: null,
      currentAuthenticationMethods: [],
    });
  });

  it('a session due for refresh is refreshed first, and the new token’s level is read', async () => {
    const clock = fakeClock();
    const server = fakeServer({ [REFRESH]: () => json(200, { ...tokenBody(2), access_token: jwt({ aal: 'aal2', amr }) }) });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify({ ...session(1, clock.now(), 1000), access_token: jwt({ aal: 'aal1', amr }) }));
    expect((await getAuthenticatorAssuranceLevel(t.auth)).data?.currentLevel).toBe('aal2');
    expect(server.count(REFRESH)).toBe(1);
  });
});

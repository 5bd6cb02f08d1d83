/** reauthenticate: GET /reauthenticate with the session's (fresh) access token. */
import { describe, expect, it } from 'vitest';
import { reauthenticate } from '../../src/flows/reauthenticate.js';
import { fakeClock, fakeServer, json, REFRESH, serverError, session, testClient, tokenBody } from '../helpers.js';

describe('reauthenticate', () => {
  it('asks with the bearer token, refreshed first when due', async () => {
    const clock = fakeClock();
    const server = fakeServer({ 'GET /reauthenticate': () => json(200, {}), [REFRESH]: () => json(200, tokenBody(2)) });
    const t = await testClient({ fetch: server.fetch, clock });
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now(), 10_000)));
    expect(await reauthenticate(t.auth)).toEqual({ data: { user: null, session: null }, error: null });
    expect(server.calls.map((c) => `${c.method} ${c.path}`)).toEqual([REFRESH, 'GET /reauthenticate']);
    expect(server.calls[1]?.headers.get('authorization')).toBe('Bearer access-2');
  });

  it('without a session: session_missing, no request; an unconfirmed address: email_not_confirmed', async () => {
    const clock = fakeClock();
    const server = fakeServer({ 'GET /reauthenticate': () => serverError(422, 'email_not_confirmed') });
    const t = await testClient({ fetch: server.fetch, clock });
    expect((await reauthenticate(t.auth)).error?.code).toBe('session_missing');
    expect(server.calls).toEqual([]);
    await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
    expect((await reauthenticate(t.auth)).error).toMatchObject({ code: 'email_not_confirmed', status: 422 });
  });
});

/** auth.fetch: the bearer token, a refresh first when due, one refresh-and-retry on a 401, no loops. */
import { describe, expect, it } from 'vitest';
import { authFetch } from '../../src/flows/auth-fetch.js';
import { deferred, fakeClock, fakeServer, json, REFRESH, session, testContext, tokenBody, type Handler } from '../helpers.js';

const API = 'https://api.test/notes';

/** The auth server and an API that accepts only `accepted` tokens, behind one fetch. */
async function setup(options: { accepted: Set<string>; refresh?: Handler; expiresInMs?: number }) {
  const clock = fakeClock();
  const apiCalls: { auth: string | null; body: string }[] = [];
  const auth = fakeServer({ [REFRESH]: options.refresh ?? (() => json(200, tokenBody(2))) });
  const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    if (!request.url.startsWith(API)) return auth.fetch(request);
    const token = request.headers.get('authorization');
    apiCalls.push({ auth: token, body: await request.text() });
    return token && options.accepted.has(token.replace('Bearer ', '')) ? json(200, { ok: true }) : json(401, { error: 'invalid token' });
  }) as typeof globalThis.fetch;
  const t = await testContext({ fetch, clock });
  await t.ctx.store.commit(session(1, clock.now(), options.expiresInMs ?? 3_600_000), true);
  return { ...t, clock, auth, apiCalls };
}

describe('auth.fetch', () => {
  it('sends the access token and keeps the caller’s method, headers and body', async () => {
    const t = await setup({ accepted: new Set(['access-1']) });
    const res = await authFetch(t.ctx, API, { method: 'POST', headers: { 'x-trace': '1' }, body: 'hello' });
    expect(res.status).toBe(200);
    expect(t.apiCalls).toEqual([{ auth: 'Bearer access-1', body: 'hello' }]);
    expect(t.auth.count(REFRESH)).toBe(0);
  });

  it('refreshes first when the session is due, and sends the new token', async () => {
    const t = await setup({ accepted: new Set(['access-2']), expiresInMs: 30_000 });
    expect((await authFetch(t.ctx, API)).status).toBe(200);
    expect(t.apiCalls.map((c) => c.auth)).toEqual(['Bearer access-2']);
    expect(t.auth.count(REFRESH)).toBe(1);
  });

  it('waits for an in-flight refresh instead of sending the token it is replacing', async () => {
    const gate = deferred<Response>();
    const t = await setup({ accepted: new Set(['access-2']), expiresInMs: 30_000, refresh: () => gate.promise });
    const refreshing = t.ctx.refresher.refresh();
    const res = authFetch(t.ctx, API);
    await t.clock.advance(0);
    expect(t.apiCalls).toHaveLength(0);
    gate.resolve(json(200, tokenBody(2)));
    await refreshing;
    expect((await res).status).toBe(200);
    expect(t.apiCalls.map((c) => c.auth)).toEqual(['Bearer access-2']);
    expect(t.auth.count(REFRESH)).toBe(1);
  });

  it('on a 401: refreshes once and retries once, with the body intact', async () => {
    const t = await setup({ accepted: new Set(['access-2']) }); // the API revoked access-1 early
    const res = await authFetch(t.ctx, API, { method: 'PUT', body: 'payload' });
    expect(res.status).toBe(200);
    expect(t.apiCalls).toEqual([
      { auth: 'Bearer access-1', body: 'payload' },
      { auth: 'Bearer access-2', body: 'payload' },
    ]);
    expect(t.auth.count(REFRESH)).toBe(1);
  });

  it('never loops: a second 401 is returned to the caller', async () => {
    const t = await setup({ accepted: new Set() });
    expect((await authFetch(t.ctx, API)).status).toBe(401);
    expect(t.apiCalls).toHaveLength(2);
    expect(t.auth.count(REFRESH)).toBe(1);
  });

  it('100 parallel calls that all get a 401 cause exactly one refresh', async () => {
    const t = await setup({ accepted: new Set(['access-2']) });
    const responses = await Promise.all(Array.from({ length: 100 }, () => authFetch(t.ctx, API)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(t.auth.count(REFRESH)).toBe(1);
  });

  it('when the refresh after a 401 fails, the 401 is returned and no retry is sent', async () => {
    const t = await setup({ accepted: new Set(), refresh: () => json(400, { code: 'refresh_token_not_found', message: 'gone' }) });
    expect((await authFetch(t.ctx, API)).status).toBe(401);
    expect(t.apiCalls).toHaveLength(1);
    expect(t.events()).toEqual(['SIGNED_OUT']);
  });

  it('without a session, sends the request as made (no Authorization)', async () => {
    const clock = fakeClock();
    const calls: (string | null)[] = [];
    const fetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
      calls.push(new Request(input, init).headers.get('authorization'));
      return json(200, {});
    }) as typeof globalThis.fetch;
    const t = await testContext({ fetch, clock });
    await authFetch(t.ctx, API);
    expect(calls).toEqual([null]);
  });
});

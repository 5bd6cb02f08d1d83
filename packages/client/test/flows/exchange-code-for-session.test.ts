/** exchangeCodeForSession: POST /token?grant_type=pkce with the stored verifier; verifier cleanup; events. */
import { describe, expect, it } from 'vitest';
import { exchangeCodeForSession } from '../../src/flows/exchange-code-for-session.js';
import { fakeClock, fakeServer, json, RFC_VERIFIER, serverError, testClient, tokenBody } from '../helpers.js';

const PKCE = 'POST /token?grant_type=pkce';

async function withVerifier(routes: Parameters<typeof fakeServer>[0], verifier: string | null = RFC_VERIFIER) {
  const server = fakeServer(routes);
  const t = await testClient({ fetch: server.fetch, clock: fakeClock(), flowType: 'pkce' });
  if (verifier) await t.storage.setItem(`${t.key}-code-verifier`, verifier);
  return { server, ...t, verifier: () => t.storage.getItem(`${t.key}-code-verifier`) };
}

describe('exchangeCodeForSession', () => {
  it('sends { auth_code, code_verifier }, stores the session, removes the verifier, emits SIGNED_IN', async () => {
    const t = await withVerifier({ [PKCE]: () => json(200, tokenBody(1)) });
    const { data, error } = await exchangeCodeForSession(t.auth, 'code-1');
    expect(error).toBeNull();
    expect(t.server.calls[0]?.body).toEqual({ auth_code: 'code-1', code_verifier: RFC_VERIFIER });
    expect(data).toMatchObject({ session: { access_token: 'access-1' }, user: { id: 'user-1' }, redirectType: null });
    expect((await t.stored())?.access_token).toBe('access-1');
    expect(await t.verifier()).toBeNull();
    expect(t.events()).toEqual(['INITIAL_SESSION', 'SIGNED_IN']);
  });

  it('a recovery flow’s verifier: PASSWORD_RECOVERY and redirectType "recovery"', async () => {
    const t = await withVerifier({ [PKCE]: () => json(200, tokenBody(1)) }, `${RFC_VERIFIER}/recovery`);
    const { data } = await exchangeCodeForSession(t.auth, 'code-1');
    expect(t.server.calls[0]?.body.code_verifier).toBe(RFC_VERIFIER);
    expect(data.redirectType).toBe('recovery');
    expect(t.events()).toEqual(['INITIAL_SESSION', 'PASSWORD_RECOVERY']);
  });

  it('no verifier here (the link opened in another browser): pkce_code_verifier_not_found, no request', async () => {
    const t = await withVerifier({ [PKCE]: () => json(200, tokenBody(1)) }, null);
    const { error } = await exchangeCodeForSession(t.auth, 'code-1');
    expect(error?.code).toBe('pkce_code_verifier_not_found');
    expect(t.server.calls).toEqual([]);
  });

  it('a definitive refusal (bad_code_verifier, flow_state_expired) removes the verifier; the session is untouched', async () => {
    for (const [status, code] of [
      [400, 'bad_code_verifier'],
      [422, 'flow_state_expired'],
      [404, 'flow_state_not_found'],
    ] as const) {
      const t = await withVerifier({ [PKCE]: () => serverError(status, code) });
      expect((await exchangeCodeForSession(t.auth, 'code-1')).error).toMatchObject({ code, status });
      expect(await t.verifier()).toBeNull();
      expect(await t.stored()).toBeNull();
      expect(t.events()).toEqual(['INITIAL_SESSION']);
    }
  });

  it('a transient failure keeps the verifier, so the same code can be tried again', async () => {
    let down = true;
    const t = await withVerifier({ [PKCE]: () => (down ? serverError(503, 'service_unavailable') : json(200, tokenBody(1))) });
    expect((await exchangeCodeForSession(t.auth, 'code-1')).error?.code).toBe('service_unavailable');
    expect(await t.verifier()).toBe(RFC_VERIFIER);
    down = false;
    expect((await exchangeCodeForSession(t.auth, 'code-1')).error).toBeNull();
    expect(await t.verifier()).toBeNull();
  });

  it('refuses an empty code', async () => {
    const t = await withVerifier({});
    expect((await exchangeCodeForSession(t.auth, '')).error?.code).toBe('invalid_argument');
    expect(await t.verifier()).toBe(RFC_VERIFIER);
  });
});

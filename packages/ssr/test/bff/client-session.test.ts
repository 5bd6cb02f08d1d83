/** One refresh through @latchkey/client, over a scripted auth server: classification, and the deadline that keeps it inside the lock. */
import { describe, expect, it } from 'vitest';
import { refreshSession } from '../../src/bff/client-session.js';
import { record } from '../support/records.js';

const clock = { now: () => Date.now() };
const expired = () => record(Date.now() - 3_601_000, 'a', 7_200_000).session;
const deps = (fetchImpl: typeof fetch) => ({
  authUrl: 'https://auth.example/auth/v1',
  apiKey: undefined,
  fetch: fetchImpl,
  clock,
  marginMs: 60_000,
});

describe('refreshSession', () => {
  it('refreshed: the new session', async () => {
    const ok = (async () =>
      Response.json({
        access_token: 'new',
        refresh_token: 'next',
        token_type: 'bearer',
        expires_in: 3600,
        user: { id: 'user-a', aud: 'x', app_metadata: {}, user_metadata: {} },
      })) as unknown as typeof fetch;
    const result = await refreshSession(deps(ok), expired(), Date.now() + 5_000);
    expect(result.kind === 'ok' && result.session.refresh_token).toBe('next');
  });

  it('a definitive refusal ends the session; an unrecognised refusal or a 503 does not', async () => {
    const answer = (status: number, code: string) =>
      (async () => Response.json({ code, message: 'x' }, { status })) as unknown as typeof fetch;
    expect((await refreshSession(deps(answer(400, 'session_not_found')), expired(), Date.now() + 5_000)).kind).toBe('ended');
    const refused = await refreshSession(deps(answer(400, 'validation_failed')), expired(), Date.now() + 5_000);
    expect(refused.kind === 'failed' && refused.error.code).toBe('validation_failed');
    const down = await refreshSession(deps(answer(503, 'service_unavailable')), expired(), Date.now() + 5_000);
    expect(down.kind === 'failed' && down.error.status).toBe(503);
  });

  it('gives up at the deadline when the auth server hangs, and sends nothing after it', async () => {
    const sent: number[] = [];
    const hang = ((_input: RequestInfo | URL, init?: RequestInit) => {
      sent.push(Date.now());
      return new Promise((_, reject) => init?.signal?.addEventListener('abort', () => reject(init.signal!.reason)));
    }) as typeof fetch;
    const started = Date.now();
    const deadline = started + 400;
    const result = await refreshSession(deps(hang), expired(), deadline);
    expect(result.kind).toBe('failed');
    expect(sent.every((at) => at < deadline)).toBe(true);
    expect(Date.now() - started).toBeLessThan(2_000); // the deadline, plus the client's short backoff
  });
});

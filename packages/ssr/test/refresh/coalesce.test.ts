/** Merging refresh requests by refresh token, over a scripted `fetch`. */
import { describe, expect, it } from 'vitest';
import { coalesceRefreshes, REPLAY_WINDOW_MS } from '../../src/refresh/coalesce.js';

const AUTH = 'https://auth.example/auth/v1';

function upstream(options: { status?: number; delay?: number } = {}) {
  const calls: string[] = [];
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    calls.push(`${init?.method ?? 'GET'} ${String(input)} ${init?.body ?? ''}`);
    await new Promise((resolve) => setTimeout(resolve, options.delay ?? 10));
    return new Response(JSON.stringify({ n: calls.length, expires_in: 60 }), {
      status: options.status ?? 200,
      headers: { 'content-type': 'application/json', 'content-length': '7' },
    });
  }) as typeof fetch;
  return { calls, fetch: fetchImpl };
}

const refresh = (f: typeof fetch, token: string, signal?: AbortSignal) =>
  f(`${AUTH}/token?grant_type=refresh_token`, { method: 'POST', body: JSON.stringify({ refresh_token: token }), signal });

describe('coalesceRefreshes', () => {
  it('sends one request for concurrent refreshes of one token; each caller gets its own readable copy', async () => {
    const base = upstream();
    const f = coalesceRefreshes(base.fetch, Date.now);
    const token = `t-${Math.random()}`;
    const responses = await Promise.all(Array.from({ length: 10 }, () => refresh(f, token)));
    expect(base.calls).toHaveLength(1);
    const bodies = await Promise.all(responses.map((r) => r.json()));
    expect(bodies).toEqual(Array(10).fill({ n: 1, expires_in: 60 }));
    expect(responses[0]!.headers.get('content-length')).toBeNull();
  });

  it('keeps different tokens apart, and passes every other request through untouched', async () => {
    const base = upstream();
    const f = coalesceRefreshes(base.fetch, Date.now);
    await Promise.all([refresh(f, `a-${Math.random()}`), refresh(f, `b-${Math.random()}`)]);
    await Promise.all([f(`${AUTH}/user`), f(`${AUTH}/user`), f(`${AUTH}/token?grant_type=password`, { method: 'POST', body: '{}' })]);
    expect(base.calls).toHaveLength(5);
  });

  it('replays a successful answer within the window, and asks again after it', async () => {
    const base = upstream();
    let now = 1_000_000;
    const f = coalesceRefreshes(base.fetch, () => now);
    const token = `t-${Math.random()}`;
    await refresh(f, token);
    now += REPLAY_WINDOW_MS - 1;
    expect(await (await refresh(f, token)).json()).toMatchObject({ n: 1 });
    now += 1;
    expect(await (await refresh(f, token)).json()).toMatchObject({ n: 2 });
    expect(REPLAY_WINDOW_MS).toBeLessThan(10_000); // inside the auth server's default reuse interval
  });

  it('a replayed answer says how long its token has left, and a token without a whole second left is not replayed', async () => {
    const short = (async () => Response.json({ access_token: 'a', expires_in: 3 })) as unknown as typeof fetch;
    let calls = 0;
    const counting = (async (...args: Parameters<typeof fetch>) => (calls++, short(...args))) as typeof fetch;
    let now = 2_000_000;
    const f = coalesceRefreshes(counting, () => now);
    const token = `t-${Math.random()}`;
    expect(await (await refresh(f, token)).json()).toEqual({ access_token: 'a', expires_in: 3 });
    now += 999;
    expect(await (await refresh(f, token)).json()).toEqual({ access_token: 'a', expires_in: 3 });
    now += 1; // 1.0 s old
    expect(await (await refresh(f, token)).json()).toEqual({ access_token: 'a', expires_in: 2 });
    now += 1_500; // 2.5 s old: 3 − ⌈2.5⌉ = 0 left
    expect(calls).toBe(1);
    await refresh(f, token);
    expect(calls).toBe(2);
  });

  it('never replays a refusal or a failure: the next caller asks the server', async () => {
    const refused = upstream({ status: 400 });
    const f = coalesceRefreshes(refused.fetch, Date.now);
    const token = `t-${Math.random()}`;
    expect((await refresh(f, token)).status).toBe(400);
    expect((await refresh(f, token)).status).toBe(400);
    expect(refused.calls).toHaveLength(2);

    let fail = true;
    const flaky = (async (...args: Parameters<typeof fetch>) => {
      if (fail) throw new TypeError('fetch failed');
      return upstream().fetch(...args);
    }) as typeof fetch;
    const g = coalesceRefreshes(flaky, Date.now);
    await expect(refresh(g, token)).rejects.toThrow('fetch failed');
    fail = false;
    expect((await refresh(g, token)).status).toBe(200);
  });

  it('a joiner that gives up stops waiting without cancelling the request for the others', async () => {
    const base = upstream({ delay: 50 });
    const f = coalesceRefreshes(base.fetch, Date.now);
    const token = `t-${Math.random()}`;
    const first = refresh(f, token);
    const impatient = new AbortController();
    const joiner = refresh(f, token, impatient.signal);
    impatient.abort(new Error('gave up'));
    await expect(joiner).rejects.toThrow('gave up');
    expect((await first).status).toBe(200);
    expect(base.calls).toHaveLength(1);
  });
});

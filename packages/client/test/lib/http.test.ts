/** The HTTP layer: headers, both GoTrue error shapes, Retry-After, network errors, time-outs. */
import { describe, expect, it } from 'vitest';
import { createHttp, errorFromResponse, parseRetryAfter } from '../../src/lib/http.js';
import { BASE, fakeClock, fakeServer, json } from '../helpers.js';

describe('http', () => {
  it('sends the API version, the bearer token, the apikey and a JSON body', async () => {
    const server = fakeServer({ 'POST /x': () => json(200, { ok: 1 }) });
    const http = createHttp({ url: `${BASE}/`, fetch: server.fetch, clock: fakeClock(), apiKey: 'pk' });
    expect(await http('POST', '/x', { body: { a: 1 }, token: 'tok' })).toEqual({ ok: 1 });
    const headers = server.calls[0]?.headers as Headers;
    expect(headers.get('x-supabase-api-version')).toBe('2024-01-01');
    expect(headers.get('authorization')).toBe('Bearer tok');
    expect(headers.get('apikey')).toBe('pk');
    expect(headers.get('content-type')).toBe('application/json');
    expect(server.calls[0]?.body).toEqual({ a: 1 });
  });

  it('reads the 2024 shape, the legacy shape and the OAuth shape', () => {
    expect(errorFromResponse(400, { code: 'invalid_credentials', message: 'm' }, null, 0)).toMatchObject({
      code: 'invalid_credentials',
      status: 400,
      message: 'm',
    });
    expect(errorFromResponse(400, { code: 400, error_code: 'session_expired', msg: 'old' }, null, 0)).toMatchObject({
      code: 'session_expired',
      message: 'old',
    });
    expect(errorFromResponse(400, { error: 'invalid_credentials', error_description: 'd' }, null, 0)).toMatchObject({
      code: 'invalid_credentials',
      message: 'd',
    });
  });

  it('an unknown code is unexpected_response (4xx), unexpected_failure (5xx), over_request_rate_limit (429)', () => {
    expect(errorFromResponse(400, { code: 'sms_send_failed' }, null, 0).code).toBe('unexpected_response');
    expect(errorFromResponse(403, { code: 'otp_expired' }, null, 0).code).toBe('otp_expired'); // one of the email flows' codes
    expect(errorFromResponse(502, undefined, null, 0).code).toBe('unexpected_failure');
    expect(errorFromResponse(429, undefined, '7', 0)).toMatchObject({ code: 'over_request_rate_limit', retryAfter: 7000 });
  });

  it('Retry-After: seconds or an HTTP date', () => {
    expect(parseRetryAfter('120', 0)).toBe(120_000);
    expect(parseRetryAfter(new Date(Date.UTC(2030, 0, 1, 0, 1)).toUTCString(), Date.UTC(2030, 0, 1))).toBe(60_000);
    expect(parseRetryAfter('soon', 0)).toBeUndefined();
  });

  it('a rejected fetch is network_error; a non-JSON success is unexpected_response', async () => {
    const clock = fakeClock();
    const down = createHttp({
      url: BASE,
      fetch: (async () => {
        throw new TypeError('fetch failed');
      }) as typeof fetch,
      clock,
    });
    await expect(down('GET', '/user')).rejects.toMatchObject({ code: 'network_error', status: 0 });
    const html = createHttp({
      url: BASE,
      fetch: (async () => new Response('<html>portal</html>', { status: 200 })) as typeof fetch,
      clock,
    });
    await expect(html('GET', '/user')).rejects.toMatchObject({ code: 'unexpected_response' });
  });

  it('times out on the injected clock, even when fetch ignores the abort signal', async () => {
    const clock = fakeClock();
    const http = createHttp({ url: BASE, fetch: (() => new Promise<Response>(() => {})) as typeof fetch, clock });
    const result = http('GET', '/user', { timeoutMs: 1000 });
    let settled = false;
    result.catch(() => (settled = true));
    await clock.advance(999);
    expect(settled).toBe(false);
    await clock.advance(1);
    await expect(result).rejects.toMatchObject({ code: 'timeout' });
  });

  it('never puts the token or the body in an error message', async () => {
    const server = fakeServer({ 'POST /x': () => json(500, {}) });
    const http = createHttp({ url: BASE, fetch: server.fetch, clock: fakeClock() });
    const error: Error = await http('POST', '/x', { token: 'secret-token', body: { password: 'hunter2' } }).then(
      () => new Error('expected a failure'),
      (e: Error) => e,
    );
    expect(error).toMatchObject({ code: 'unexpected_failure' });
    expect(error.message).not.toMatch(/secret-token|hunter2/);
  });
});

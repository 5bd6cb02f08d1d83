/**
 * Talking to the auth server: one `request()` that adds the headers every call needs, bounds the
 * wait, and turns every failure (network, time-out, either of GoTrue's error shapes) into a
 * `LatchkeyError`.
 */
import { isKnownCode, isLatchkeyError, LatchkeyError, type LatchkeyErrorCode } from '../errors.js';
import type { Clock } from './clock.js';

/** Asks the server for `{ code, message }` errors (GoTrue API version 2024-01-01). */
const API_VERSION = '2024-01-01';
const DEFAULT_TIMEOUT_MS = 10_000;

export interface HttpOptions {
  /** The auth server's base URL, e.g. `https://example.com/auth/v1`. */
  url: string;
  fetch: typeof fetch;
  clock: Clock;
  apiKey?: string;
}

export interface RequestOptions {
  body?: unknown;
  /** Sent as `Authorization: Bearer …`. */
  token?: string;
  timeoutMs?: number;
}

export type Http = <T = unknown>(method: string, path: string, options?: RequestOptions) => Promise<T>;

export function createHttp({ url, fetch: fetchImpl, clock, apiKey }: HttpOptions): Http {
  const base = url.replace(/\/+$/, '');
  return async function request<T>(method: string, path: string, options: RequestOptions = {}): Promise<T> {
    const headers: Record<string, string> = { 'x-supabase-api-version': API_VERSION };
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (apiKey) headers.apikey = apiKey;
    const controller = new AbortController();
    let timer: unknown;
    // Rejects even when a custom fetch ignores the abort signal: a hung request must never hold
    // the refresh lock (or a caller) forever.
    const timedOut = new Promise<never>((_, reject) => {
      timer = clock.setTimeout(() => {
        controller.abort();
        reject(new LatchkeyError('timeout', `The auth server did not answer ${method} ${path.split('?')[0]} in time.`));
      }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    });
    try {
      const response = await Promise.race([
        fetchImpl(`${base}${path}`, {
          method,
          headers,
          body: options.body === undefined ? undefined : JSON.stringify(options.body),
          signal: controller.signal,
        }),
        timedOut,
      ]);
      const text = await Promise.race([response.text(), timedOut]);
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
        if (response.ok)
          throw new LatchkeyError('unexpected_response', `The auth server's answer is not JSON (HTTP ${response.status}).`, {
            status: response.status,
          });
      }
      if (!response.ok) throw errorFromResponse(response.status, body, response.headers.get('retry-after'), clock.now());
      return body as T;
    } catch (error) {
      if (isLatchkeyError(error)) throw error;
      // Whatever fetch threw (TypeError "fetch failed", an AbortError): no answer came back.
      throw new LatchkeyError('network_error', 'Could not reach the auth server.', { cause: error });
    } finally {
      clock.clearTimeout(timer);
    }
  };
}

/**
 * Reads GoTrue's error bodies: `{ code: "<error_code>", message }` (API version ≥ 2024-01-01),
 * the legacy `{ code: <status>, error_code, msg }`, and OAuth's `{ error, error_description }`.
 */
export function errorFromResponse(status: number, body: unknown, retryAfterHeader: string | null, now: number): LatchkeyError {
  const fields = (typeof body === 'object' && body !== null ? body : {}) as Record<string, unknown>;
  const raw = [fields.error_code, fields.code, fields.error].find((value) => typeof value === 'string') as string | undefined;
  const message = [fields.message, fields.msg, fields.error_description].find((value) => typeof value === 'string') as string | undefined;
  let code: LatchkeyErrorCode;
  if (isKnownCode(raw)) code = raw;
  else if (status === 429) code = 'over_request_rate_limit';
  else if (status >= 500) code = 'unexpected_failure';
  else code = 'unexpected_response';
  const weak = fields.weak_password as { reasons?: unknown } | undefined;
  const reasons = Array.isArray(weak?.reasons) ? weak.reasons.filter((r): r is string => typeof r === 'string') : undefined;
  // An unknown code is reported by name only (it is the server's identifier, never a secret).
  const text = message ?? (raw ? `The auth server answered ${status} ${raw.slice(0, 64)}.` : `The auth server answered ${status}.`);
  return new LatchkeyError(code, text, { status, retryAfter: parseRetryAfter(retryAfterHeader, now), reasons });
}

/** `Retry-After` in milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null, now: number): number | undefined {
  if (!value) return undefined;
  if (/^\s*\d+\s*$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

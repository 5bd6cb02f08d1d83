/** Writing responses: JSON bodies, GoTrue's two error shapes, and the headers every response carries. */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { LatchkeyError } from '../errors.js';

const API_VERSION_HEADER = 'x-supabase-api-version';
// The first API version whose errors use `{ code: "<error_code>", message }`.
const API_VERSION_2024 = Date.UTC(2024, 0, 1);

/** The request's `X-Supabase-Api-Version` when it is a valid date, else undefined. */
export function requestApiVersion(req: IncomingMessage): string | undefined {
  const raw = req.headers[API_VERSION_HEADER];
  if (typeof raw !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(raw)) return undefined;
  return Number.isNaN(Date.parse(`${raw}T00:00:00Z`)) ? undefined : raw;
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const payload = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, {
    ...headers,
    ...(payload
      ? { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(payload) }
      : { 'content-length': 0 }),
  });
  res.end(payload);
}

/**
 * Sends a coded error in the shape the caller understands: `{ code, message }` for API version
 * 2024-01-01 and later (the version header echoed), GoTrue's legacy `{ code: <status>,
 * error_code, msg }` otherwise.
 */
export function sendError(res: ServerResponse, error: LatchkeyError, apiVersion: string | undefined): void {
  const modern = apiVersion !== undefined && Date.parse(`${apiVersion}T00:00:00Z`) >= API_VERSION_2024;
  const body = modern
    ? { code: error.code, message: error.message, ...error.extra }
    : { code: error.status, error_code: error.code, msg: error.message, ...error.extra };
  const headers: Record<string, string> = {};
  if (error.code === 'over_request_rate_limit') headers['retry-after'] = '60';
  // Transient (a stalled or unreachable database, a shutdown): worth trying again shortly.
  if (error.code === 'service_unavailable') headers['retry-after'] = '1';
  sendJson(res, error.status, body, headers);
}

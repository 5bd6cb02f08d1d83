/** Responses of the token handler's routes: JSON, never cached (they carry or reveal credentials). */
import type { SsrError } from '../errors.js';

export function json(status: number, body: unknown, setCookie?: string): Response {
  const headers = new Headers({ 'content-type': 'application/json', 'cache-control': 'no-store' });
  if (setCookie) headers.append('set-cookie', setCookie);
  return new Response(body === undefined ? null : JSON.stringify(body), { status, headers });
}

export function empty(status: number, setCookie?: string): Response {
  const headers = new Headers({ 'cache-control': 'no-store' });
  if (setCookie) headers.append('set-cookie', setCookie);
  return new Response(null, { status, headers });
}

/** `{ code, message }` with the error's status (GoTrue's error body shape). */
export function errorResponse(error: { code: string; message: string; status: number }, setCookie?: string): Response {
  return json(error.status, { code: error.code, message: error.message }, setCookie);
}

/**
 * The auth server's own answer (`invalid_credentials`, `otp_expired`, …) passed on with its status
 * and code; no answer at all (network, time-out) is a 503.
 */
export function authErrorResponse(error: { code: string; message: string; status: number }, setCookie?: string): Response {
  return errorResponse({ code: error.code, message: error.message, status: error.status >= 400 ? error.status : 503 }, setCookie);
}

/** Whether the cookie should be cleared with this error: the session behind it is gone. */
export function endsCookie(error: SsrError): boolean {
  return error.code === 'session_missing' || error.code === 'session_ended';
}

/**
 * One direct call to the auth server for a route of the token handler, when no flow of
 * `@latchkey/client` fits: calls made with the session's access token (a client over the record
 * would refresh on its own, outside the session lock, and leave the store on a used refresh
 * token), and the two halves of a WebAuthn ceremony, between which the browser answers.
 */
import { SsrError } from '../errors.js';
import type { HandlerContext } from './context.js';
import { errorResponse } from './respond.js';

export type AuthAnswer = { ok: true; body: Record<string, unknown> } | { ok: false; response: Response };

/** An auth server's call should answer well within a browser's patience. */
const TIMEOUT_MS = 10_000;

export async function callAuthServer(
  ctx: HandlerContext,
  method: string,
  path: string,
  init: { token?: string; body?: unknown } = {},
): Promise<AuthAnswer> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'x-supabase-api-version': '2024-01-01' };
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (ctx.apiKey) headers.apikey = ctx.apiKey;
  let response: Response;
  try {
    response = await ctx.fetch(`${ctx.authUrl.replace(/\/+$/, '')}${path}`, {
      method,
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
  } catch (cause) {
    return { ok: false, response: errorResponse(new SsrError('auth_unavailable', undefined, { cause })) };
  }
  const text = await response.text().catch(() => '');
  let answer: unknown = null;
  try {
    answer = text ? JSON.parse(text) : {};
  } catch {
    // not JSON: treated as no answer below
  }
  const body = typeof answer === 'object' && answer !== null ? (answer as Record<string, unknown>) : null;
  if (response.ok && body) return { ok: true, body };
  if (response.status >= 500 || response.status === 429 || !body)
    return { ok: false, response: errorResponse(new SsrError('auth_unavailable')) };
  // The auth server's refusal, as it said it ({ code, message } with API version 2024-01-01).
  const code = typeof body.code === 'string' ? body.code : typeof body.error_code === 'string' ? body.error_code : 'auth_refused';
  const message = typeof body.message === 'string' ? body.message : typeof body.msg === 'string' ? body.msg : 'Refused.';
  return { ok: false, response: errorResponse({ code, message, status: response.status }) };
}

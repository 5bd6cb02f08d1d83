/**
 * Passkeys through the token handler. The WebAuthn ceremony runs in the browser
 * (`navigator.credentials.get/create`, which only a page can call); the BFF carries its two
 * halves to the auth server, and the session a sign-in makes stays here, as every other:
 *
 * - `POST <basePath>/passkey/options` → `{ challenge_id, options }` for `navigator.credentials.get`;
 * - `POST <basePath>/passkey/sign-in` `{ challenge_id, credential }` → `200 { user, expires_at }`
 *   and the session cookie;
 * - `POST <basePath>/passkey/register/options` (signed in) → `{ challenge_id, options }` for
 *   `navigator.credentials.create`;
 * - `POST <basePath>/passkey/register` `{ challenge_id, credential }` → `200 { passkey }`;
 * - `GET <basePath>/passkeys` → `200 { passkeys }`; `POST <basePath>/passkey/delete` `{ passkey_id }`.
 *
 * The credential's origin is the page's, the app's: list it in the auth server's
 * `LATCHKEY_WEBAUTHN_RP_ORIGINS`.
 */
import { sessionFromTokenAnswer } from '@latchkey/client/session-rules';
import { isSsrError, SsrError } from '../../errors.js';
import { getAccessToken } from '../access-token.js';
import { callAuthServer } from '../auth-call.js';
import { beginSession } from '../begin-session.js';
import type { HandlerContext } from '../context.js';
import { isSameOriginRequest } from '../csrf.js';
import { readJson, text } from '../json-body.js';
import { viewOf } from '../request.js';
import { endsCookie, errorResponse, json } from '../respond.js';

/** `{ challenge_id, credential }`: the browser's answer to a ceremony, as the auth server takes it. */
async function ceremonyAnswer(request: Request): Promise<{ challenge_id: string; credential: Record<string, unknown> } | null> {
  const body = await readJson(request);
  const challengeId = body && text(body, 'challenge_id');
  const credential = body?.credential;
  if (!challengeId || typeof credential !== 'object' || credential === null || Array.isArray(credential)) return null;
  return { challenge_id: challengeId, credential: credential as Record<string, unknown> };
}

const BAD_ANSWER = new SsrError(
  'bad_request',
  'Send JSON { "challenge_id", "credential" }: the credential as PublicKeyCredential.toJSON() gives it.',
);

export async function passkeyOptions(ctx: HandlerContext, request: Request): Promise<Response> {
  // No session involved, but another site has no business starting ceremonies on the user's behalf.
  if (!isSameOriginRequest(viewOf(request), ctx.origins)) return errorResponse(new SsrError('csrf_rejected'));
  const answer = await callAuthServer(ctx, 'POST', '/passkeys/authentication/options', { body: {} });
  return answer.ok ? json(200, answer.body) : answer.response;
}

export async function passkeySignIn(ctx: HandlerContext, request: Request): Promise<Response> {
  const view = viewOf(request);
  // Login CSRF: an attacker's page could post an assertion of the attacker's own (software)
  // passkey, made with this app's origin, and sign the victim's browser into the attacker's account.
  if (!isSameOriginRequest(view, ctx.origins)) return errorResponse(new SsrError('csrf_rejected'));
  const body = await ceremonyAnswer(request);
  if (!body) return errorResponse(BAD_ANSWER);
  const answer = await callAuthServer(ctx, 'POST', '/passkeys/authentication/verify', { body });
  if (!answer.ok) return answer.response;
  try {
    const session = sessionFromTokenAnswer(answer.body, ctx.clock.now());
    const setCookie = await beginSession(ctx, view, session);
    return json(200, { user: session.user, expires_at: session.expires_at }, setCookie);
  } catch (failure) {
    if (isSsrError(failure)) return errorResponse(failure);
    return errorResponse(new SsrError('auth_unavailable', 'The auth server answered without a session.', { cause: failure }));
  }
}

/** Runs one call with the request's session's access token (refreshed under the lock first when due; CSRF checked). */
async function withSession(
  ctx: HandlerContext,
  request: Request,
  call: (token: string) => ReturnType<typeof callAuthServer> | Response,
): Promise<Response | { body: Record<string, unknown> }> {
  const { data, error } = await getAccessToken(ctx, request);
  if (error) return errorResponse(error, endsCookie(error) ? ctx.cookie.clear() : undefined);
  const answer = await call(data.accessToken);
  if (answer instanceof Response) return answer;
  return answer.ok ? { body: answer.body } : answer.response;
}

export async function passkeyRegisterOptions(ctx: HandlerContext, request: Request): Promise<Response> {
  const result = await withSession(ctx, request, (token) =>
    callAuthServer(ctx, 'POST', '/passkeys/registration/options', { token, body: {} }),
  );
  return result instanceof Response ? result : json(200, result.body);
}

export async function passkeyRegister(ctx: HandlerContext, request: Request): Promise<Response> {
  const body = await ceremonyAnswer(request);
  const result = await withSession(ctx, request, (token) =>
    body ? callAuthServer(ctx, 'POST', '/passkeys/registration/verify', { token, body }) : errorResponse(BAD_ANSWER),
  );
  return result instanceof Response ? result : json(200, { passkey: result.body });
}

export async function listPasskeys(ctx: HandlerContext, request: Request): Promise<Response> {
  const result = await withSession(ctx, request, (token) => callAuthServer(ctx, 'GET', '/passkeys', { token }));
  if (result instanceof Response) return result;
  // The auth server answers a JSON array (GoTrue's shape).
  return json(200, { passkeys: Array.isArray(result.body) ? result.body : [] });
}

export async function deletePasskey(ctx: HandlerContext, request: Request): Promise<Response> {
  const body = await readJson(request);
  const id = body && text(body, 'passkey_id');
  const result = await withSession(ctx, request, (token) =>
    id && /^[0-9a-f-]{36}$/i.test(id)
      ? callAuthServer(ctx, 'DELETE', `/passkeys/${id}`, { token })
      : errorResponse(new SsrError('bad_request', 'Send JSON { "passkey_id" }.')),
  );
  return result instanceof Response ? result : json(200, {});
}

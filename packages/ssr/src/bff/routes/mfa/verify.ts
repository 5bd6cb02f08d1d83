/**
 * `POST <basePath>/mfa/verify` with `{ "factor_id", "challenge_id"?, "code" }`: proves a TOTP
 * factor (without `challenge_id`: a challenge first, in the same call). The auth server raises the
 * session to `aal2` and rotates its refresh token in one statement, so this is a rotation: it runs
 * under the session's lock, on the record read there, and the raised session replaces the record
 * (fenced) before the lock is released. The record never keeps the pre-verify refresh token, which
 * the next refresh after the reuse interval would present as reuse.
 *
 * Answers `200 { user, expires_at, aal, amr }` (as `<basePath>/session`), or the auth server's
 * refusal: `422 mfa_verification_failed` for a wrong or used code, `429` past its guess limit.
 */
import * as mfa from '@latchkey/client/mfa';
import { SsrError } from '../../../errors.js';
import type { HandlerContext } from '../../context.js';
import { readJson, text } from '../../json-body.js';
import { authErrorResponse, errorResponse, json } from '../../respond.js';
import { assuranceOf, underSessionLock } from './session-calls.js';

export async function verifyFactor(ctx: HandlerContext, request: Request): Promise<Response> {
  const body = await readJson(request);
  const factorId = body && text(body, 'factor_id');
  const challengeId = body && text(body, 'challenge_id');
  const code = body && text(body, 'code');
  if (!factorId || !code) return errorResponse(new SsrError('bad_request', 'Send JSON { "factor_id", "challenge_id"?, "code" }.'));
  const outcome = await underSessionLock(ctx, request, (client) =>
    challengeId ? mfa.verify(client, { factorId, challengeId, code }) : mfa.challengeAndVerify(client, { factorId, code }),
  );
  if (outcome.response) return outcome.response;
  const { error } = outcome.value;
  if (error) return authErrorResponse(error);
  const { session } = outcome.record;
  const { aal, amr } = assuranceOf(outcome.record);
  return json(200, { user: session.user, expires_at: session.expires_at, aal, amr });
}

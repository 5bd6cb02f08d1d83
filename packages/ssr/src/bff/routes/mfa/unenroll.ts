/**
 * `POST <basePath>/mfa/unenroll` with `{ "factor_id" }`: removes one of the user's factors
 * (`DELETE /factors/:id`; a verified one only from an `aal2` session, else `422 insufficient_aal`).
 * Removing a verified factor is followed by a refresh (the session's level drops with it), so it
 * runs under the session's lock and the refreshed session replaces the record, as `mfa/verify`.
 * Answers `200 { id, aal, amr }`.
 */
import * as mfa from '@latchkey/client/mfa';
import { SsrError } from '../../../errors.js';
import type { HandlerContext } from '../../context.js';
import { readJson, text } from '../../json-body.js';
import { authErrorResponse, errorResponse, json } from '../../respond.js';
import { assuranceOf, underSessionLock } from './session-calls.js';

export async function unenrollFactor(ctx: HandlerContext, request: Request): Promise<Response> {
  const body = await readJson(request);
  const factorId = body && text(body, 'factor_id');
  if (!factorId) return errorResponse(new SsrError('bad_request', 'Send JSON { "factor_id" }.'));
  const outcome = await underSessionLock(ctx, request, (client) => mfa.unenroll(client, { factorId }));
  if (outcome.response) return outcome.response;
  const { error } = outcome.value;
  if (error) return authErrorResponse(error);
  const { aal, amr } = assuranceOf(outcome.record);
  return json(200, { id: factorId, aal, amr });
}

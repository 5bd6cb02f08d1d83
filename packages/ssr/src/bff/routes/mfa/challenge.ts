/**
 * `POST <basePath>/mfa/challenge` with `{ "factor_id" }`: a challenge of one of the user's factors
 * (`POST /factors/:id/challenge`), for `<basePath>/mfa/verify`. Answers `200 { id, type, expires_at }`.
 */
import * as mfa from '@latchkey/client/mfa';
import { SsrError } from '../../../errors.js';
import type { HandlerContext } from '../../context.js';
import { readJson, text } from '../../json-body.js';
import { authErrorResponse, errorResponse, json } from '../../respond.js';
import { withAccessToken } from './session-calls.js';

export async function challengeFactor(ctx: HandlerContext, request: Request): Promise<Response> {
  const body = await readJson(request);
  const factorId = body && text(body, 'factor_id');
  if (!factorId) return errorResponse(new SsrError('bad_request', 'Send JSON { "factor_id" }.'));
  const outcome = await withAccessToken(ctx, request, (client) => mfa.challenge(client, { factorId }));
  if (outcome.response) return outcome.response;
  const { data, error } = outcome.value;
  if (error) return authErrorResponse(error);
  return json(200, { id: data.id, type: data.type, expires_at: data.expires_at });
}

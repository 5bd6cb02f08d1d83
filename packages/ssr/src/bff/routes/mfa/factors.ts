/**
 * `GET <basePath>/mfa/factors`: the user's factors as the auth server knows them now (`GET /user`)
 * and where the session stands: `200 { factors, aal, next_level, amr }`. `aal` and `amr` are the
 * access token's claims (read, not verified); `next_level` is `aal2` when the user has a verified
 * factor. `aal: 'aal1'` with `next_level: 'aal2'`: ask for the code before showing what needs it.
 */
import * as mfa from '@latchkey/client/mfa';
import type { HandlerContext } from '../../context.js';
import { authErrorResponse, json } from '../../respond.js';
import { assuranceOf, withAccessToken } from './session-calls.js';

export async function listFactors(ctx: HandlerContext, request: Request): Promise<Response> {
  const outcome = await withAccessToken(ctx, request, (client) => mfa.listFactors(client));
  if (outcome.response) return outcome.response;
  const { data, error } = outcome.value;
  if (error) return authErrorResponse(error);
  const { aal, amr } = assuranceOf(outcome.record);
  const nextLevel = data.all.some((factor) => factor.status === 'verified') ? 'aal2' : aal;
  return json(200, { factors: data.all, aal, next_level: nextLevel, amr });
}

/**
 * `POST <basePath>/mfa/enroll` with `{ "friendly_name"?, "issuer"? }`: adds a TOTP factor to the
 * signed-in user (`POST /factors` with the session's access token). Answers `200 { id, type,
 * friendly_name, totp: { qr_code, secret, uri } }` — the QR code as a `data:image/svg+xml` URI for
 * an `<img>`, the secret for typing in — once: the auth server never shows the secret again. The
 * factor stays unverified until `<basePath>/mfa/verify`.
 */
import * as mfa from '@latchkey/client/mfa';
import { SsrError } from '../../../errors.js';
import type { HandlerContext } from '../../context.js';
import { readJson, text } from '../../json-body.js';
import { authErrorResponse, errorResponse, json } from '../../respond.js';
import { withAccessToken } from './session-calls.js';

export async function enrollFactor(ctx: HandlerContext, request: Request): Promise<Response> {
  // CSRF is checked with the session (a POST).
  const body = await readJson(request);
  const type = body && (body.factor_type ?? 'totp');
  if (!body || type !== 'totp') {
    return errorResponse(new SsrError('bad_request', 'Send JSON { "friendly_name"?, "issuer"? }: the BFF enrols TOTP factors.'));
  }
  const outcome = await withAccessToken(ctx, request, (client) =>
    mfa.enroll(client, { factorType: 'totp', friendlyName: text(body, 'friendly_name'), issuer: text(body, 'issuer') }),
  );
  if (outcome.response) return outcome.response;
  const { data, error } = outcome.value;
  if (error) return authErrorResponse(error);
  return json(200, data);
}

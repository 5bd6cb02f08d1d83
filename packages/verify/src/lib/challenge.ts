/**
 * Turning a {@link VerifyError} into the HTTP answer every middleware gives: the code's status,
 * a `{ code, message }` JSON body, and for 401/403 an RFC 6750 §3 `WWW-Authenticate` challenge.
 */
import type { VerifyError, VerifyErrorCode } from '../errors.js';

export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: { code: VerifyErrorCode; message: string };
}

/** Keeps only characters a quoted-string may hold unescaped (RFC 6750 §3 error_description). */
function quotable(text: string): string {
  return text.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, '');
}

export function errorReply(error: VerifyError, realm?: string): ErrorReply {
  const headers: Record<string, string> = {};
  const params: string[] = realm === undefined ? [] : [`realm="${quotable(realm)}"`];
  if (error.code === 'missing_token') {
    // RFC 6750 §3.1: a request without credentials gets a challenge without an error code.
    headers['www-authenticate'] = ['Bearer', params.join(', ')].filter(Boolean).join(' ');
  } else if (error.status === 401 || error.status === 403) {
    // 401 invalid_token: expired, revoked, malformed or forged; 403 insufficient_scope: a valid
    // token that does not grant this resource (RFC 6750 §3.1).
    // RFC 9470 §3: insufficient_user_authentication is the challenge for "authenticate more
    // strongly" (here: verify a second factor), distinct from a scope the token will never have.
    const code =
      error.code === 'insufficient_aal'
        ? 'insufficient_user_authentication'
        : error.status === 403
          ? 'insufficient_scope'
          : 'invalid_token';
    params.push(`error="${code}"`, `error_description="${quotable(error.message)}"`);
    headers['www-authenticate'] = `Bearer ${params.join(', ')}`;
  }
  // 5xx (the auth server unreachable): not the client's fault, so no challenge; a retry may work.
  return { status: error.status, headers, body: { code: error.code, message: error.message } };
}

import { describe, expect, it } from 'vitest';
import { VERIFY_ERROR_CODES, VerifyError, type VerifyErrorCode } from '../../src/errors.js';
import { errorReply } from '../../src/lib/challenge.js';

describe('errorReply', () => {
  it('answers a request without a token with a bare challenge (RFC 6750 §3.1)', () => {
    expect(errorReply(new VerifyError('missing_token')).headers).toEqual({ 'www-authenticate': 'Bearer' });
    expect(errorReply(new VerifyError('missing_token'), 'api').headers).toEqual({ 'www-authenticate': 'Bearer realm="api"' });
  });

  it('answers an invalid token with 401 invalid_token and the message as error_description', () => {
    const reply = errorReply(new VerifyError('expired'), 'api');
    expect(reply.status).toBe(401);
    expect(reply.headers['www-authenticate']).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token expired."',
    );
    expect(reply.body).toEqual({ code: 'expired', message: 'The access token expired.' });
  });

  it('answers a failed guard with 403 insufficient_scope', () => {
    const reply = errorReply(new VerifyError('forbidden'));
    expect(reply.status).toBe(403);
    expect(reply.headers['www-authenticate']).toMatch(/^Bearer error="insufficient_scope", error_description="/);
  });

  it('answers an unreachable auth server with 503 and no challenge', () => {
    for (const code of ['jwks_unavailable', 'session_check_unavailable'] as const) {
      const reply = errorReply(new VerifyError(code));
      expect(reply.status).toBe(503);
      expect(reply.headers).toEqual({});
    }
  });

  it('gives every 401 code an invalid_token challenge', () => {
    const codes = (Object.keys(VERIFY_ERROR_CODES) as VerifyErrorCode[]).filter(
      (c) => VERIFY_ERROR_CODES[c][0] === 401 && c !== 'missing_token',
    );
    expect(codes.length).toBeGreaterThan(8);
    for (const code of codes)
      expect(errorReply(new VerifyError(code)).headers['www-authenticate'], code).toContain('error="invalid_token"');
  });

  it('keeps quotes, backslashes and line breaks out of the header', () => {
    const header = errorReply(new VerifyError('malformed', 'bad "x"\\\r\nSet-Cookie: a=b'), 'r"e\nalm').headers['www-authenticate']!;
    expect(header).not.toMatch(/[\r\n\\]/);
    expect(header).toBe('Bearer realm="realm", error="invalid_token", error_description="bad xSet-Cookie: a=b"');
  });
});

/**
 * A scripted auth server behind a `fetch`, answering the email flows as GoTrue does (the real
 * server gains these routes in the `email` branch; until then these tests speak to this). It
 * keeps the PKCE challenges it was sent and checks verifiers against them with node:crypto, so
 * a wrong verifier really is refused.
 */
import { createHash } from 'node:crypto';

export const AUTH = 'https://auth.example/auth/v1';
export const USER = { id: 'user-1', aud: 'authenticated', email: 'ada@example.com', app_metadata: {}, user_metadata: {} };

export interface Call {
  method: string;
  path: string;
  body: any;
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });
}

export function tokens(n: number) {
  return { access_token: `access-${n}`, token_type: 'bearer', expires_in: 3600, expires_at: 1, refresh_token: `refresh-${n}`, user: USER };
}

export function fakeGoTrue() {
  const calls: Call[] = [];
  /** auth code → S256 challenge it was issued for, and whether it was a recovery. */
  const codes = new Map<string, { challenge: string; recovery: boolean }>();
  let lastChallenge: { challenge: string; recovery: boolean } | undefined;
  let issued = 0;
  const fetchImpl = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    const path = url.href.slice(AUTH.length);
    const text = await request.text();
    const body = text ? JSON.parse(text) : undefined;
    calls.push({ method: request.method, path, body });
    const route = `${request.method} ${url.pathname.slice('/auth/v1'.length)}`;
    switch (route) {
      case 'POST /otp':
      case 'POST /recover':
        if (body.code_challenge) lastChallenge = { challenge: body.code_challenge, recovery: route === 'POST /recover' };
        return json(200, {});
      case 'POST /verify':
        return body.token === '000000' || body.token_hash === 'bad'
          ? json(403, { code: 'otp_expired', message: 'Token has expired or is invalid' })
          : json(200, tokens(++issued));
      case 'POST /token': {
        if (url.searchParams.get('grant_type') === 'refresh_token') return json(200, tokens(++issued));
        const flow = codes.get(body.auth_code);
        if (!flow) return json(404, { code: 'flow_state_not_found', message: 'invalid flow state, no valid flow state found' });
        codes.delete(body.auth_code); // single-use
        if (createHash('sha256').update(body.code_verifier).digest('base64url') !== flow.challenge) {
          return json(400, { code: 'bad_code_verifier', message: 'code challenge does not match previously saved code verifier' });
        }
        return json(200, tokens(++issued));
      }
      case 'PUT /user':
        if (body.password === 'the old password')
          return json(422, { code: 'same_password', message: 'New password should be different from the old password.' });
        return json(200, { ...USER, ...(body.email ? { new_email: body.email } : {}) });
      case 'POST /logout':
        return new Response(null, { status: 204 });
      default:
        return json(404, { code: 'not_found', message: 'Not found.' });
    }
  }) as typeof fetch;
  return {
    fetch: fetchImpl,
    calls,
    /** What GoTrue's GET /verify does when the user follows the last PKCE link: issues a code for its challenge. */
    followLink(): string {
      if (!lastChallenge) throw new Error('no PKCE flow was started');
      const code = `code-${codes.size + 1}-${issued}`;
      codes.set(code, lastChallenge);
      return code;
    },
  };
}

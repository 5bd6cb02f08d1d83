import { z } from 'zod';
import { decodeRefreshToken } from '../crypto/refresh-token.js';
import { verifyPassword } from '../crypto/password.js';
import { LatchkeyError } from '../errors.js';
import { emailField, parse, passwordField, route, type RequestInfo } from '../http/route.js';
import type { App } from '../app.js';
import { createSession, rotate } from '../store/sessions.js';
import { withIdentities } from '../store/identities.js';
import { findUserByEmail, isBanned } from '../store/users.js';
import { sessionResponse } from './session-response.js';
import { exchangePkce } from './email/pkce-exchange.js';
import { idTokenSignIn } from './oauth/id-token.js';

const passwordGrant = z.object({ email: emailField, password: passwordField });
const refreshGrant = z.object({ refresh_token: z.string().min(1, 'refresh_token required').max(4096) });

async function passwordSignIn(app: App, input: unknown, request: RequestInfo) {
  const { email, password } = parse(passwordGrant, input);
  app.limiter.take('passwordPerIp', request.ip);
  app.limiter.check('passwordFailuresPerAccount', email);
  const user = await findUserByEmail(app.db, email);
  // Runs argon2 even when the user does not exist: no timing difference reveals registered emails.
  const ok = await verifyPassword(user?.encrypted_password, password);
  if (!user || !ok) {
    app.limiter.record('passwordFailuresPerAccount', email);
    app.metrics.signInFailures.inc();
    await app.audit({
      type: 'login_failed',
      actor: 'anonymous',
      userId: user?.id,
      ip: request.ip,
      userAgent: request.userAgent,
      data: user ? {} : { email },
    });
    throw new LatchkeyError('invalid_credentials');
  }
  if (isBanned(user, request.now)) throw new LatchkeyError('user_banned', undefined, { status: 400 });
  // After the password: only whoever knows it learns that the address waits for confirmation.
  if (!user.email_confirmed_at) throw new LatchkeyError('email_not_confirmed');
  const session = await createSession(app.db, user.id, 'password', { now: request.now, userAgent: request.userAgent, ip: request.ip });
  await app.audit({
    type: 'login',
    actor: 'user',
    userId: user.id,
    sessionId: session.session.id,
    ip: request.ip,
    userAgent: request.userAgent,
  });
  // With its provider identities: a password user may have linked some (argon2 dwarfs the query).
  return sessionResponse(app, { session: session.session, user: await withIdentities(app.db, session.user) }, request.now);
}

async function refresh(app: App, input: unknown, request: RequestInfo) {
  const { refresh_token } = parse(refreshGrant, input);
  const presented = decodeRefreshToken(app.refreshKey, refresh_token);
  if (!presented) {
    // Forged or garbled tokens spend a per-IP budget; genuine ones never touch it. One SSR/BFF
    // host refreshes for all its users from one address, so charging genuine refreshes per IP
    // would let an anonymous flood of junk lock every user out.
    app.limiter.take('refreshPerIp', request.ip);
    // A token whose MAC does not check out was never issued by this server (or the secret key changed).
    throw new LatchkeyError('refresh_token_not_found');
  }
  // Genuine tokens are limited per session (a MAC-checked id nobody can forge): generous enough
  // for a burst of parallel refreshes, tight enough that one session cannot flood the server.
  app.limiter.take('refreshPerSession', presented.sessionId);
  const outcome = await rotate(
    app.db,
    app.rotations,
    presented,
    app.policy,
    { now: request.now, userAgent: request.userAgent, ip: request.ip },
    app.onReuse,
  );
  app.metrics.refreshes.inc({ outcome: outcome.kind });
  return sessionResponse(app, outcome, request.now);
}

export const token = route({
  method: 'POST',
  path: '/token',
  auth: 'public',
  summary:
    'grant_type=password with { email, password }: sign in (400 email_not_confirmed before the address is confirmed); grant_type=refresh_token with { refresh_token }: rotate; grant_type=pkce with { auth_code, code_verifier }: the session of a PKCE flow; grant_type=id_token with { provider, id_token, nonce }: sign in with an ID token of an enabled OpenID provider. All answer { access_token, token_type, expires_in, expires_at, refresh_token, user }.',
  query: z.object({ grant_type: z.string().optional() }),
  body: z.unknown(),
  async handler({ app, body, query, request }) {
    switch (query.grant_type) {
      case 'password':
        return { body: await passwordSignIn(app, body ?? {}, request) };
      case 'refresh_token':
        return { body: await refresh(app, body ?? {}, request) };
      case 'pkce':
        return { body: await exchangePkce(app, body ?? {}, request) };
      case 'id_token':
        return { body: await idTokenSignIn(app, body ?? {}, request) };
      default:
        throw new LatchkeyError('unsupported_grant_type', `Unsupported grant_type "${String(query.grant_type ?? '')}".`);
    }
  },
});

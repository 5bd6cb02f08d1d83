/**
 * Anonymous sign-in (supabase-js signInAnonymously: POST /signup with neither email nor phone),
 * when LATCHKEY_EXTERNAL_ANONYMOUS_USERS_ENABLED is on: a user with no address and a session. It
 * becomes permanent by adding an address (PUT /user { email }, confirmed by mail unless sign-ups
 * are autoconfirmed) and then a password; left anonymous, it is deleted after
 * LATCHKEY_ANONYMOUS_RETENTION_DAYS (server.ts).
 */
import type { App } from '../app.js';
import { LatchkeyError } from '../errors.js';
import type { RequestInfo } from '../http/route.js';
import { createSession } from '../store/sessions.js';
import { createAnonymousUser } from '../store/user-email.js';
import { sessionResponse, type SessionResponse } from './session-response.js';

export async function signUpAnonymously(app: App, data: Record<string, unknown>, request: RequestInfo): Promise<SessionResponse> {
  // GoTrue's order: the provider switch, the sign-up rate limit, then the sign-up switch.
  if (!app.config.externalAnonymousUsersEnabled) throw new LatchkeyError('anonymous_provider_disabled');
  app.limiter.take('signupPerIp', request.ip);
  if (app.config.disableSignup) throw new LatchkeyError('signup_disabled');
  const session = await app.db.transaction(async (tx) => {
    const user = await createAnonymousUser(tx, { userMetadata: data, now: request.now });
    return createSession(tx, user.id, 'anonymous', { now: request.now, userAgent: request.userAgent, ip: request.ip });
  });
  await app.audit({
    type: 'user_signedup',
    actor: 'anonymous',
    userId: session.user.id,
    sessionId: session.session.id,
    ip: request.ip,
    userAgent: request.userAgent,
    data: { provider: 'anonymous' },
  });
  return sessionResponse(app, session, request.now);
}

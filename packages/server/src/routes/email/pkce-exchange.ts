/** POST /token?grant_type=pkce { auth_code, code_verifier }: the session of a PKCE flow whose link was followed (supabase-js exchangeCodeForSession). */
import { z } from 'zod';
import type { App } from '../../app.js';
import { hashLinkToken } from '../../crypto/one-time-token.js';
import { challengeOf } from '../../crypto/pkce.js';
import { LatchkeyError } from '../../errors.js';
import { parse, type RequestInfo } from '../../http/route.js';
import { AUTH_CODE_LIFETIME_SECONDS, authCodeProblem, exchangeAuthCode } from '../../store/flow-states.js';
import { withIdentities } from '../../store/identities.js';
import { createSession } from '../../store/sessions.js';
import { findUserById, isBanned } from '../../store/users.js';
import { sessionResponse, type SessionResponse } from '../session-response.js';

const pkceGrant = z.object({ auth_code: z.string().max(256).nullish(), code_verifier: z.string().max(256).nullish() });

export async function exchangePkce(app: App, input: unknown, request: RequestInfo): Promise<SessionResponse> {
  const { auth_code: authCode, code_verifier: verifier } = parse(pkceGrant, input);
  if (!authCode || !verifier) {
    throw new LatchkeyError('validation_failed', 'invalid request: both auth code and code verifier should be non-empty');
  }
  const codeHash = hashLinkToken(authCode);
  // Short-lived (GoTrue's 5 minutes): the code travels in a URL, and browser history keeps URLs.
  const issuedAfter = new Date(request.now.getTime() - AUTH_CODE_LIFETIME_SECONDS * 1000);
  const session = await app.db.transaction(async (tx) => {
    // One DELETE that matches only a live code whose challenge the verifier answers: a code is
    // exchanged once, and only by whoever started the flow (RFC 7636 §4.6).
    const flow = await exchangeAuthCode(tx, codeHash, { s256: challengeOf(verifier, 's256'), plain: verifier }, issuedAfter);
    if (!flow) return undefined;
    const user = await findUserById(tx, flow.user_id);
    if (!user) return undefined;
    if (isBanned(user, request.now)) throw new LatchkeyError('user_banned', 'User is banned', { status: 400 });
    return createSession(tx, user.id, flow.authentication_method, { now: request.now, userAgent: request.userAgent, ip: request.ip });
  });
  if (!session) {
    const problem = await authCodeProblem(app.db, codeHash, issuedAfter);
    if (problem === 'expired') throw new LatchkeyError('flow_state_expired');
    if (problem === 'bad_verifier') throw new LatchkeyError('bad_code_verifier');
    throw new LatchkeyError('flow_state_not_found');
  }
  await app.audit({
    type: 'login',
    actor: 'user',
    userId: session.user.id,
    sessionId: session.session.id,
    ip: request.ip,
    userAgent: request.userAgent,
    data: { grant: 'pkce', method: session.session.amr[0]?.method },
  });
  // The user with its provider identities, as after any sign-in (a provider's PKCE flow ends here).
  return sessionResponse(app, { session: session.session, user: await withIdentities(app.db, session.user) }, request.now);
}

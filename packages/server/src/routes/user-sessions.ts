/** A signed-in user's own sessions: see them, end one, or end all but the current one. */
import { LatchkeyError } from '../errors.js';
import { route } from '../http/route.js';
import { listSessions, revokeOne, revokeUserSessions } from '../store/sessions.js';

export const listMySessions = route({
  method: 'GET',
  path: '/user/sessions',
  auth: 'user',
  summary: "The user's live sessions (created, last refreshed, user agent, IP), the current one marked.",
  async handler({ app, auth }) {
    const sessions = await listSessions(app.db, auth!.user.id);
    return { body: { sessions: sessions.map((s) => ({ ...s, current: s.id === auth!.session.id })) } };
  },
});

export const endMySession = route({
  method: 'DELETE',
  path: '/user/sessions/:id',
  auth: 'user',
  summary: 'End one of your sessions (204); 404 if it is not one of your live sessions.',
  body: undefined,
  async handler({ app, auth, params, request }) {
    // Scoped to the caller's user id: nobody ends another user's session by guessing its id.
    const ended = await revokeOne(app.db, params.id as string, request.now, 'user_ended', auth!.user.id);
    if (!ended) throw new LatchkeyError('session_not_found_by_id');
    await app.audit({
      type: 'session_revoked',
      actor: 'user',
      userId: auth!.user.id,
      sessionId: params.id,
      ip: request.ip,
      userAgent: request.userAgent,
    });
    return { status: 204 };
  },
});

export const endMyOtherSessions = route({
  method: 'DELETE',
  path: '/user/sessions',
  auth: 'user',
  summary: 'End every session of yours except the current one.',
  async handler({ app, auth, request }) {
    const ended = await revokeUserSessions(app.db, auth!.user.id, request.now, 'user_ended_others', auth!.session.id);
    await app.audit({
      type: 'session_revoked',
      actor: 'user',
      userId: auth!.user.id,
      ip: request.ip,
      userAgent: request.userAgent,
      data: { scope: 'others', ended },
    });
    return { body: { ended } };
  },
});

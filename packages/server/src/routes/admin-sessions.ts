/** Admins list and end any user's sessions. */
import { LatchkeyError } from '../errors.js';
import { route } from '../http/route.js';
import { listSessions, revokeOne, revokeUserSessions } from '../store/sessions.js';
import { findUserById } from '../store/users.js';

export const adminListSessions = route({
  method: 'GET',
  path: '/admin/users/:id/sessions',
  auth: 'admin',
  summary: "A user's live sessions.",
  async handler({ app, params }) {
    const user = await findUserById(app.db, params.id as string);
    if (!user) throw new LatchkeyError('user_not_found');
    return { body: { sessions: await listSessions(app.db, user.id) } };
  },
});

export const adminEndUserSessions = route({
  method: 'DELETE',
  path: '/admin/users/:id/sessions',
  auth: 'admin',
  summary: 'End every session of a user.',
  async handler({ app, params, request }) {
    const user = await findUserById(app.db, params.id as string);
    if (!user) throw new LatchkeyError('user_not_found');
    const ended = await revokeUserSessions(app.db, user.id, request.now, 'admin');
    await app.audit({ type: 'session_revoked', actor: 'admin', userId: user.id, ip: request.ip, data: { scope: 'all', ended } });
    return { body: { ended } };
  },
});

export const adminEndSession = route({
  method: 'DELETE',
  path: '/admin/sessions/:id',
  auth: 'admin',
  summary: 'End one session by id (204).',
  async handler({ app, params, request }) {
    const ended = await revokeOne(app.db, params.id as string, request.now, 'admin');
    if (!ended) throw new LatchkeyError('session_not_found_by_id');
    await app.audit({ type: 'session_revoked', actor: 'admin', userId: ended.user_id, sessionId: params.id, ip: request.ip });
    return { status: 204 };
  },
});

import { z } from 'zod';
import { route } from '../http/route.js';
import { revokeSession, revokeUserSessions } from '../store/sessions.js';

export const logout = route({
  method: 'POST',
  path: '/logout',
  auth: 'user',
  summary: 'End this session (scope=local), every session of the user (global, the default), or all but this one (others).',
  query: z.object({ scope: z.enum(['global', 'local', 'others']).default('global') }),
  body: z.unknown(),
  async handler({ app, auth, query, request }) {
    const { session, user } = auth!;
    if (query.scope === 'local') await revokeSession(app.db, session.id, request.now, 'logout');
    else await revokeUserSessions(app.db, user.id, request.now, 'logout', query.scope === 'others' ? session.id : undefined);
    await app.audit({
      type: 'logout',
      actor: 'user',
      userId: user.id,
      sessionId: session.id,
      ip: request.ip,
      userAgent: request.userAgent,
      data: { scope: query.scope },
    });
    return { status: 204 };
  },
});

import { z } from 'zod';
import { cursorTime, decodeCursor, encodeCursor } from '../http/cursor.js';
import { route, storableText } from '../http/route.js';
import { AUDIT_TYPES, queryAudit } from '../store/audit.js';
import { UUID } from '../store/users.js';
import { LatchkeyError } from '../errors.js';

export const adminAudit = route({
  method: 'GET',
  path: '/admin/audit',
  auth: 'admin',
  summary:
    'Audit entries, newest first, filtered by user_id, session_id, type, ip, since and until (ISO times); limit up to 1000; next_cursor (when more may follow) pages on with cursor=.',
  query: z.object({
    user_id: z.uuid().optional(),
    session_id: z.uuid().optional(),
    type: z.enum(AUDIT_TYPES).optional(),
    ip: storableText(z.string().min(1).max(64)).optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    until: z.iso.datetime({ offset: true }).optional(),
    cursor: z.string().max(2048).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  }),
  async handler({ app, query }) {
    let after: { at: Date; id: string } | undefined;
    if (query.cursor) {
      const [at, id] = decodeCursor(query.cursor, 2) as [string, string];
      if (!/^\d{1,19}$/.test(id)) throw new LatchkeyError('validation_failed', 'cursor: not a cursor this list gave out');
      after = { at: cursorTime(at), id };
    }
    const entries = await queryAudit(app.db, {
      userId: query.user_id,
      sessionId: query.session_id && UUID.test(query.session_id) ? query.session_id : undefined,
      type: query.type,
      ip: query.ip,
      since: query.since ? new Date(query.since) : undefined,
      until: query.until ? new Date(query.until) : undefined,
      after,
      limit: query.limit,
    });
    const last = entries.at(-1);
    return {
      body: {
        entries: entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })),
        next_cursor: last && entries.length === query.limit ? encodeCursor([new Date(last.at).toISOString(), last.id]) : null,
      },
    };
  },
});

import { z } from 'zod';
import { route } from '../http/route.js';
import { AUDIT_TYPES, queryAudit } from '../store/audit.js';

export const adminAudit = route({
  method: 'GET',
  path: '/admin/audit',
  auth: 'admin',
  summary: 'Audit entries, newest first, filtered by user_id, type and since (ISO time); limit up to 1000.',
  query: z.object({
    user_id: z.uuid().optional(),
    type: z.enum(AUDIT_TYPES).optional(),
    since: z.iso.datetime({ offset: true }).optional(),
    limit: z.coerce.number().int().min(1).max(1000).default(100),
  }),
  async handler({ app, query }) {
    const entries = await queryAudit(app.db, {
      userId: query.user_id,
      type: query.type,
      since: query.since ? new Date(query.since) : undefined,
      limit: query.limit,
    });
    return { body: { entries: entries.map((e) => ({ ...e, at: new Date(e.at).toISOString() })) } };
  },
});

/** GET /admin/outbox: the dev outbox (every message, when no SMTP server is configured), or the SMTP queue's state. */
import { z } from 'zod';
import { emailField, route } from '../../http/route.js';

export const adminOutbox = route({
  method: 'GET',
  path: '/admin/outbox',
  auth: 'admin',
  summary:
    'Email, newest first, optionally to one address (to=): with no SMTP server, the dev outbox (subject, text, html and link of every message); with SMTP, delivery state only (status queued, sent or failed; bodies are not kept). limit up to 200.',
  query: z.object({
    to: emailField.optional(),
    limit: z.coerce.number().int().min(1).max(200).default(50),
  }),
  async handler({ app, query }) {
    const messages = await app.mail.list({ to: query.to, limit: query.limit });
    return { body: { transport: app.mail.transportKind, messages } };
  },
});

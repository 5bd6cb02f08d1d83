/** POST /recover: a recovery link and code by email (supabase-js resetPasswordForEmail). */
import { z } from 'zod';
import { LatchkeyError } from '../../errors.js';
import { emailField, parse, route } from '../../http/route.js';
import type { App } from '../../app.js';
import type { Queryable } from '../../db/database.js';
import type { QueuedMail } from '../../mail/queue.js';
import { findUserByEmail, type UserRow } from '../../store/users.js';
import { assertMailAvailable, auditSent, queueActionMail, redirectQuery, suppressActionMail, takeSendLimits } from './action-mail.js';
import { pkceChallenge, pkceFields, startFlow } from './pkce-params.js';

/** Queues the recovery email to a user: POST /recover, and an admin's POST /admin/users/:id/recover. */
export function queueRecoveryMail(
  app: App,
  tx: Queryable,
  mail: { user: Pick<UserRow, 'id' | 'raw_user_meta_data'>; email: string; redirectTo: string; flowStateId: string | null; now: Date },
): Promise<QueuedMail> {
  return queueActionMail(app, tx, {
    userId: mail.user.id,
    tokenType: 'recovery',
    linkType: 'recovery',
    template: 'recovery',
    to: mail.email,
    email: mail.email,
    redirectTo: mail.redirectTo,
    flowStateId: mail.flowStateId,
    userMetadata: mail.user.raw_user_meta_data,
    sentColumn: 'recovery_sent_at',
    now: mail.now,
  });
}

export const recover = route({
  method: 'POST',
  path: '/recover',
  auth: 'public',
  summary:
    'Email a recovery link and code; verifying either signs the user in (amr recovery) to set a new password. Answers {} whether or not the address is registered (no enumeration). PKCE with code_challenge(_method); redirect_to in the query.',
  query: redirectQuery,
  body: z.object({ email: z.string().nullish(), ...pkceFields }),
  async handler({ app, body, query, request }) {
    if (!body.email) throw new LatchkeyError('validation_failed', 'Password recovery requires an email');
    const { email } = parse(z.object({ email: emailField }), body);
    const pkce = pkceChallenge(body);
    const redirectTo = app.redirects.resolve(query.redirect_to);
    // Everything that can refuse the request does so before the address is looked up: a
    // registered and an unknown address get the same answers.
    assertMailAvailable(app, 'recovery');
    await takeSendLimits(app, request, 'recovery', [email]);
    const user = await findUserByEmail(app.db, email);
    if (!user) {
      // Same work, nothing sent, same answer: the response cannot tell whether the address is registered.
      await suppressActionMail(app, 'recovery', email, 'no user with this address', {
        pkce: pkce !== undefined,
        tokenType: 'recovery',
        sentColumn: 'recovery_sent_at',
      });
      await app.audit({
        type: 'mail_not_sent',
        actor: 'anonymous',
        ip: request.ip,
        userAgent: request.userAgent,
        data: { kind: 'recovery', to: email, reason: 'unknown address' },
      });
      return { body: {} };
    }
    const queued = await app.db.transaction(async (tx) => {
      const flowStateId = await startFlow(tx, pkce, user.id, 'recovery', request.now);
      return queueRecoveryMail(app, tx, { user, email, redirectTo, flowStateId, now: request.now });
    });
    await auditSent(app, request, 'anonymous', user.id, [queued]);
    // Last: delivery (or the outbox's log line) starts once the request's own work is done.
    app.mail.settle([queued]);
    return { body: {} };
  },
});

/** POST /admin/users/:id/recover: an admin (or the console) emails a user a recovery link, audited as the admin's. */
import { LatchkeyError } from '../../errors.js';
import { route } from '../../http/route.js';
import { findUserById } from '../../store/users.js';
import { assertMailAvailable, auditSent, redirectQuery, takeSendLimits } from './action-mail.js';
import { queueRecoveryMail } from './recover.js';

export const adminSendRecovery = route({
  method: 'POST',
  path: '/admin/users/:id/recover',
  auth: 'admin',
  summary:
    "Email the user a recovery link and code, as POST /recover would (redirect_to in the query), audited as an admin's action; {} when queued. The link itself is not returned (POST /admin/generate_link does that).",
  query: redirectQuery,
  async handler({ app, params, query, request }) {
    const user = await findUserById(app.db, params.id as string);
    if (!user) throw new LatchkeyError('user_not_found');
    if (!user.email) throw new LatchkeyError('validation_failed', 'The user has no email address to send a recovery link to.');
    const email = user.email;
    const redirectTo = app.redirects.resolve(query.redirect_to);
    assertMailAvailable(app, 'recovery');
    // The per-address and global limits still hold: an admin's clicks cannot mail-bomb a user.
    await takeSendLimits(app, request, 'recovery', [email], { perAddress: true, perIp: false });
    const queued = await app.db.transaction((tx) =>
      queueRecoveryMail(app, tx, { user, email, redirectTo, flowStateId: null, now: request.now }),
    );
    await auditSent(app, request, 'admin', user.id, [queued]);
    await app.audit({ type: 'recovery_sent', actor: 'admin', userId: user.id, ip: request.ip });
    app.mail.settle([queued]);
    return { body: {} };
  },
});

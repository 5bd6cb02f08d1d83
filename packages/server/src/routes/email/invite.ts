/** POST /invite (admin; supabase-js admin.inviteUserByEmail): create the user if needed and email an invitation. */
import { z } from 'zod';
import { emailField, metadataField, route } from '../../http/route.js';
import { LatchkeyError } from '../../errors.js';
import { createUnconfirmedUser, markInvited } from '../../store/user-email.js';
import { findUserByEmail, userJson, type UserRow } from '../../store/users.js';
import { assertMailAvailable, auditSent, queueActionMail, redirectQuery, takeSendLimits } from './action-mail.js';

export const invite = route({
  method: 'POST',
  path: '/invite',
  auth: 'admin',
  summary:
    'Invite a user by email: creates the user (no password; data becomes user_metadata) unless one is waiting unconfirmed, and emails an invitation link and code; verifying it confirms the address and signs the user in. 422 email_exists for a confirmed user.',
  query: redirectQuery,
  body: z.object({ email: emailField, data: metadataField.nullish() }),
  async handler({ app, body, query, request }) {
    const redirectTo = app.redirects.resolve(query.redirect_to);
    const email = body.email;
    let user: UserRow | undefined = await findUserByEmail(app.db, email);
    if (user?.email_confirmed_at) throw new LatchkeyError('email_exists');
    assertMailAvailable(app, 'invite');
    // An admin's invitations count toward the server's hourly total, as GoTrue's do; not per address or IP.
    await takeSendLimits(app, request, 'invite', [email], { perAddress: false, perIp: false });
    const created = !user;
    const queued = await app.db.transaction(async (tx) => {
      user ??= await createUnconfirmedUser(tx, {
        email,
        passwordHash: null,
        userMetadata: body.data ?? {},
        invited: true,
        now: request.now,
      });
      await markInvited(tx, user.id, request.now);
      return queueActionMail(app, tx, {
        userId: user.id,
        tokenType: 'confirmation',
        linkType: 'invite',
        template: 'invite',
        to: email,
        email,
        redirectTo,
        flowStateId: null,
        userMetadata: user.raw_user_meta_data,
        sentColumn: undefined,
        now: request.now,
      });
    });
    const row = user as unknown as UserRow;
    await app.audit({ type: 'user_invited', actor: 'admin', userId: row.id, ip: request.ip, data: { email, created } });
    await auditSent(app, request, 'admin', row.id, [queued]);
    app.mail.settle([queued]);
    return { body: userJson({ ...row, invited_at: request.now, confirmation_sent_at: request.now }) };
  },
});

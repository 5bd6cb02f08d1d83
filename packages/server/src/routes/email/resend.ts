/** POST /resend: the confirmation of a sign-up, or of a pending email change, again (supabase-js resend). */
import { z } from 'zod';
import { LatchkeyError } from '../../errors.js';
import { emailField, parse, route } from '../../http/route.js';
import type { QueuedMail } from '../../mail/queue.js';
import { findUserByEmail } from '../../store/users.js';
import { assertMailAvailable, auditSent, queueActionMail, redirectQuery, suppressActionMail, takeSendLimits } from './action-mail.js';
import { queueEmailChange } from './email-change.js';
import { pkceChallenge, pkceFields, startFlow } from './pkce-params.js';

export const resend = route({
  method: 'POST',
  path: '/resend',
  auth: 'public',
  summary:
    'Send the confirmation of a sign-up (type signup) or of a pending email change (type email_change, email = the current address) again. Answers {} whether or not there was anything to send (no enumeration).',
  query: redirectQuery,
  body: z.object({ type: z.string().nullish(), email: z.string().nullish(), phone: z.string().nullish(), ...pkceFields }),
  async handler({ app, body, query, request }) {
    const type = body.type ?? '';
    if (!['signup', 'email_change', 'sms', 'phone_change'].includes(type)) {
      throw new LatchkeyError('validation_failed', 'Missing one of these types: signup, email_change, sms, phone_change');
    }
    const pkce = type === 'signup' || type === 'email_change' ? pkceChallenge(body) : undefined;
    if (!body.email && type === 'signup') throw new LatchkeyError('validation_failed', 'Type provided requires an email address');
    if (!body.phone && type === 'sms') throw new LatchkeyError('validation_failed', 'Type provided requires a phone number');
    if (body.email && body.phone) throw new LatchkeyError('validation_failed', 'Only an email address or phone number should be provided.');
    if (!body.email) {
      if (body.phone) throw new LatchkeyError('phone_provider_disabled', 'Phone logins are disabled');
      throw new LatchkeyError('validation_failed', 'Missing email address or phone number');
    }
    const { email } = parse(z.object({ email: emailField }), body);
    const redirectTo = app.redirects.resolve(query.redirect_to);
    const template = type === 'signup' ? 'confirmation' : 'email_change';
    assertMailAvailable(app, template);
    await takeSendLimits(app, request, type === 'signup' ? 'confirmation' : 'email_change', [email]);
    const user = await findUserByEmail(app.db, email);
    const nothingToSend = !user
      ? 'no user with this address'
      : type === 'signup' && user.email_confirmed_at
        ? 'address already confirmed'
        : type === 'email_change' && !user.email_change
          ? 'no email change pending'
          : type !== 'signup' && type !== 'email_change'
            ? 'phone'
            : undefined;
    if (!user || nothingToSend) {
      await suppressActionMail(app, template, email, nothingToSend ?? 'nothing to send', {
        pkce: pkce !== undefined,
        tokenType: type === 'signup' ? 'confirmation' : 'email_change_new',
        sentColumn: type === 'signup' ? 'confirmation_sent_at' : 'email_change_sent_at',
      });
      await app.audit({
        type: 'mail_not_sent',
        actor: 'anonymous',
        userId: user?.id,
        ip: request.ip,
        userAgent: request.userAgent,
        data: { kind: template, to: email, reason: nothingToSend },
      });
      return { body: {} };
    }
    const queued: QueuedMail[] = await app.db.transaction(async (tx) => {
      if (type === 'email_change')
        return queueEmailChange(app, tx, user, user.email_change as string, { pkce, redirectTo, now: request.now });
      const flowStateId = await startFlow(tx, pkce, user.id, 'email/signup', request.now);
      return [
        await queueActionMail(app, tx, {
          userId: user.id,
          tokenType: 'confirmation',
          linkType: 'signup',
          template: 'confirmation',
          to: email,
          email,
          redirectTo,
          flowStateId,
          userMetadata: user.raw_user_meta_data,
          sentColumn: 'confirmation_sent_at',
          now: request.now,
        }),
      ];
    });
    await auditSent(app, request, 'anonymous', user.id, queued);
    app.mail.settle(queued);
    return { body: {} };
  },
});

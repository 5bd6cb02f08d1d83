/**
 * GET /reauthenticate (supabase-js reauthenticate; POST also accepted): email the signed-in user a
 * nonce that a password change needs when
 * LATCHKEY_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION is on (routes/user.ts).
 */
import { z } from 'zod';
import type { App } from '../../app.js';
import { LatchkeyError } from '../../errors.js';
import { route, type HandlerContext } from '../../http/route.js';
import { findUserById } from '../../store/users.js';
import { assertMailAvailable, auditSent, queueActionMail, takeSendLimits } from './action-mail.js';

async function reauthenticate({ app, auth, request }: HandlerContext<unknown, unknown> & { app: App }) {
  const user = await findUserById(app.db, auth!.user.id);
  if (!user) throw new LatchkeyError('user_not_found');
  if (!user.email) throw new LatchkeyError('validation_failed', 'Reauthentication requires the user to have an email or a phone number');
  if (!user.email_confirmed_at) throw new LatchkeyError('email_not_confirmed', 'Please verify your email first.', { status: 422 });
  const email = user.email;
  assertMailAvailable(app, 'reauthentication');
  await takeSendLimits(app, request, 'reauthentication', [email]);
  const queued = await app.db.transaction((tx) =>
    queueActionMail(app, tx, {
      userId: user.id,
      tokenType: 'reauthentication',
      linkType: undefined,
      template: 'reauthentication',
      to: email,
      email,
      redirectTo: app.config.siteUrl,
      flowStateId: null,
      userMetadata: user.raw_user_meta_data,
      sentColumn: 'reauthentication_sent_at',
      now: request.now,
    }),
  );
  await auditSent(app, request, 'user', user.id, [queued]);
  app.mail.settle([queued]);
  return { body: {} };
}

const summary =
  'Email the signed-in user a one-time nonce; PUT /user { password, nonce } needs it when LATCHKEY_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION is on and the session is over 24 hours old. 422 email_not_confirmed for an unconfirmed address.';

export const reauthenticateGet = route({ method: 'GET', path: '/reauthenticate', auth: 'user', summary, handler: reauthenticate });
export const reauthenticatePost = route({
  method: 'POST',
  path: '/reauthenticate',
  auth: 'user',
  summary: 'The same as GET /reauthenticate.',
  body: z.unknown(),
  handler: reauthenticate,
});

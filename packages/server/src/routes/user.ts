import { z } from 'zod';
import { hashCode } from '../crypto/one-time-token.js';
import { assertStrongPassword, hashPassword, verifyPassword } from '../crypto/password.js';
import { LatchkeyError, isLatchkeyError } from '../errors.js';
import { emailField, metadataField, newPasswordField, route } from '../http/route.js';
import type { QueuedMail } from '../mail/queue.js';
import { consumeUserCode } from '../store/one-time-tokens.js';
import { revokeUserSessions } from '../store/sessions.js';
import { setConfirmedEmail } from '../store/user-email.js';
import { findUserByEmail, findUserById, updateUser, userJson } from '../store/users.js';
import { assertMailAvailable, auditSent, redirectQuery, takeSendLimits } from './email/action-mail.js';
import { emailChangeRecipients, queueEmailChange } from './email/email-change.js';
import { assertGuessesLeft, countWrongGuess } from './email/guesses.js';
import { pkceChallenge, pkceFields } from './email/pkce-params.js';

/** A session signed in longer ago than this needs a reauthentication nonce to change the password, when required (GoTrue's 24 hours). */
const REAUTHENTICATION_WINDOW_MS = 24 * 3_600_000;

export const getUser = route({
  method: 'GET',
  path: '/user',
  auth: 'user',
  summary: "The signed-in user. 403 session_not_found once the token's session is revoked.",
  async handler({ auth }) {
    return { body: userJson(auth!.user) };
  },
});

export const putUser = route({
  method: 'PUT',
  path: '/user',
  auth: 'user',
  summary:
    "Change the password (ends the user's other sessions unless LATCHKEY_PASSWORD_CHANGE_REVOKES=none; needs the emailed `nonce` when LATCHKEY_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION is on), merge user_metadata (`data`; a null value removes the key), or change the email address (`email`: confirmed by mail, from both addresses with LATCHKEY_MAILER_SECURE_EMAIL_CHANGE_ENABLED; an anonymous user's first address is set at once while sign-ups are autoconfirmed).",
  query: redirectQuery,
  body: z.object({
    password: newPasswordField.optional(),
    data: metadataField.optional(),
    email: emailField.optional(),
    nonce: z.string().max(64).nullish(),
    ...pkceFields,
  }),
  async handler({ app, auth, body, query, request }) {
    const { user: signedIn, session } = auth!;
    const user = (await findUserById(app.db, signedIn.id)) ?? signedIn;
    const changingEmail = body.email !== undefined && body.email !== user.email;
    if (user.is_anonymous && body.password !== undefined && body.password !== '' && body.email === undefined) {
      throw new LatchkeyError('validation_failed', 'Updating password of an anonymous user without an email or phone is not allowed', {
        status: 422,
      });
    }
    if (changingEmail) {
      const holder = await findUserByEmail(app.db, body.email as string);
      if (holder && holder.id !== user.id) throw new LatchkeyError('email_exists');
    }
    let needsNonce = false;
    let passwordHash: string | undefined;
    if (body.password !== undefined) {
      if (app.config.securityUpdatePasswordRequireReauthentication) {
        // GoTrue's rule: a session signed in within the last 24 hours has just proven the
        // password (or a link); an older one must prove it again with an emailed nonce, so a
        // stolen long-lived session cannot take the account over by changing its password.
        const signedInAt = Math.min(...session.amr.map((a) => a.timestamp)) * 1000;
        if (!(request.now.getTime() - signedInAt < REAUTHENTICATION_WINDOW_MS)) {
          if (!body.nonce) throw new LatchkeyError('reauthentication_needed');
          if (!user.email) throw new LatchkeyError('reauthentication_not_valid', 'Reauthentication requires an email or a phone number');
          await assertGuessesLeft(app, request, user.email);
          needsNonce = true;
        }
      }
      assertStrongPassword(body.password, app.config);
      if (await verifyPassword(user.encrypted_password, body.password)) throw new LatchkeyError('same_password');
      passwordHash = await hashPassword(body.password);
    }
    // Mail that cannot go out refuses the request before anything changes.
    const mailing = changingEmail && !(user.is_anonymous && app.config.mailerAutoconfirm);
    const pkce = pkceChallenge(body);
    if (mailing) {
      assertMailAvailable(app, 'email_change');
      await takeSendLimits(app, request, 'email_change', emailChangeRecipients(app, user, body.email as string));
    }
    let queued: QueuedMail[] = [];
    // One transaction: the nonce, the new password, the end of the other sessions and the email
    // change land together, or none does.
    let updated;
    try {
      updated = await app.db.transaction(async (tx) => {
        // Used up in the statement that checks it, like every one-time token.
        if (
          needsNonce &&
          !(await consumeUserCode(
            tx,
            user.id,
            'reauthentication',
            hashCode(app.codeKey, user.email as string, body.nonce as string),
            request.now,
          ))
        ) {
          throw new LatchkeyError('reauthentication_not_valid');
        }
        let row = await updateUser(tx, user.id, { passwordHash, userMetadata: body.data }, request.now);
        // Whoever knew the old password may hold a session: a password change ends the others.
        if (row && passwordHash && app.config.passwordChangeRevokes === 'others') {
          await revokeUserSessions(tx, user.id, request.now, 'password_changed', session.id);
        }
        if (row && changingEmail) {
          if (mailing) {
            queued = await queueEmailChange(app, tx, row, body.email as string, {
              pkce,
              redirectTo: app.redirects.resolve(query.redirect_to),
              now: request.now,
            });
            row = (await findUserById(tx, user.id)) ?? row;
          } else {
            // An anonymous user adding an address while sign-ups need no confirmation: set at
            // once and permanent, as a sign-up would be (GoTrue's rule).
            row = (await setConfirmedEmail(tx, user.id, body.email as string, request.now)) ?? row;
          }
        }
        return row;
      });
    } catch (error) {
      if (isLatchkeyError(error) && error.code === 'reauthentication_not_valid' && user.email)
        await countWrongGuess(app, request, user.email);
      throw error;
    }
    if (!updated) throw new LatchkeyError('user_not_found');
    if (passwordHash) {
      await app.audit({
        type: 'password_changed',
        actor: 'user',
        userId: user.id,
        sessionId: session.id,
        ip: request.ip,
        userAgent: request.userAgent,
        data: { session_amr: session.amr.map((a) => a.method) },
      });
    }
    if (changingEmail) {
      await app.audit({
        type: mailing ? 'email_change_requested' : 'email_changed',
        actor: 'user',
        userId: user.id,
        sessionId: session.id,
        ip: request.ip,
        userAgent: request.userAgent,
        data: { from: user.email, to: body.email },
      });
      await auditSent(app, request, 'user', user.id, queued);
    }
    app.mail.settle(queued);
    return { body: userJson(updated) };
  },
});

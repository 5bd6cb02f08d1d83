import { z } from 'zod';
import { assertStrongPassword, hashPassword, verifyPassword } from '../crypto/password.js';
import { LatchkeyError } from '../errors.js';
import { emailField, metadataField, newPasswordField, route } from '../http/route.js';
import { revokeUserSessions } from '../store/sessions.js';
import { updateUser, userJson } from '../store/users.js';

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
    "Change the password (ends the user's other sessions unless LATCHKEY_PASSWORD_CHANGE_REVOKES=none), or merge user_metadata (`data`; a null value removes the key).",
  body: z.object({
    password: newPasswordField.optional(),
    data: metadataField.optional(),
    email: emailField.optional(),
  }),
  async handler({ app, auth, body, request }) {
    const { user, session } = auth!;
    if (body.email !== undefined && body.email !== user.email) {
      // Changing the address needs a confirmation email, which Latchkey does not send yet.
      throw new LatchkeyError('validation_failed', 'Changing the email address is not supported yet.', { status: 422 });
    }
    let passwordHash: string | undefined;
    if (body.password !== undefined) {
      assertStrongPassword(body.password, app.config);
      if (await verifyPassword(user.encrypted_password, body.password)) throw new LatchkeyError('same_password');
      passwordHash = await hashPassword(body.password);
    }
    // One transaction: the new password and the end of the other sessions land together.
    const updated = await app.db.transaction(async (tx) => {
      const row = await updateUser(tx, user.id, { passwordHash, userMetadata: body.data }, request.now);
      // Whoever knew the old password may hold a session: a password change ends the others.
      if (row && passwordHash && app.config.passwordChangeRevokes === 'others') {
        await revokeUserSessions(tx, user.id, request.now, 'password_changed', session.id);
      }
      return row;
    });
    if (!updated) throw new LatchkeyError('user_not_found');
    if (passwordHash) {
      await app.audit({
        type: 'password_changed',
        actor: 'user',
        userId: user.id,
        sessionId: session.id,
        ip: request.ip,
        userAgent: request.userAgent,
      });
    }
    return { body: userJson(updated) };
  },
});

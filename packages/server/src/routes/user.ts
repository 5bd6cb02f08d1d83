import { z } from 'zod';
import { assertStrongPassword, hashPassword, verifyPassword } from '../crypto/password.js';
import { LatchkeyError } from '../errors.js';
import { metadataField, route } from '../http/route.js';
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
  summary: 'Change the password, or merge user_metadata (`data`; a null value removes the key).',
  body: z.object({
    password: z.string().max(1024).optional(),
    data: metadataField.optional(),
    email: z.string().optional(),
  }),
  async handler({ app, auth, body, request }) {
    const { user } = auth!;
    if (body.email !== undefined && body.email.toLowerCase() !== user.email) {
      // Changing the address needs a confirmation email, which Latchkey does not send yet.
      throw new LatchkeyError('validation_failed', 'Changing the email address is not supported yet.', { status: 422 });
    }
    let passwordHash: string | undefined;
    if (body.password !== undefined) {
      assertStrongPassword(body.password);
      if (await verifyPassword(user.encrypted_password, body.password)) throw new LatchkeyError('same_password');
      passwordHash = await hashPassword(body.password);
    }
    const updated = await updateUser(app.db, user.id, { passwordHash, userMetadata: body.data }, request.now);
    if (!updated) throw new LatchkeyError('user_not_found');
    return { body: userJson(updated) };
  },
});

import { z } from 'zod';
import { assertStrongPassword, hashPassword } from '../crypto/password.js';
import { emailField, metadataField, newPasswordField, route } from '../http/route.js';
import { createSession } from '../store/sessions.js';
import { createUser } from '../store/users.js';
import { sessionResponse } from './session-response.js';

export const signup = route({
  method: 'POST',
  path: '/signup',
  auth: 'public',
  summary: 'Create a user with email and password; answers with a session (users are confirmed on sign-up).',
  body: z.object({ email: emailField, password: newPasswordField, data: metadataField.optional() }),
  async handler({ app, body, request }) {
    app.limiter.take('signupPerIp', request.ip);
    assertStrongPassword(body.password, app.config);
    const passwordHash = await hashPassword(body.password);
    // Until email delivery exists, a sign-up is confirmed at once and gets a session.
    // One transaction: a failure leaves neither a user without a session nor half a user.
    const session = await app.db.transaction(async (tx) => {
      const user = await createUser(
        tx,
        {
          email: body.email,
          passwordHash,
          userMetadata: body.data ?? {},
          appMetadata: {},
          role: 'authenticated',
          emailConfirmed: true,
          bannedUntil: null,
          now: request.now,
        },
        'user_already_exists',
      );
      return createSession(tx, user.id, 'password', { now: request.now, userAgent: request.userAgent, ip: request.ip });
    });
    await app.audit({
      type: 'user_signedup',
      actor: 'user',
      userId: session.user.id,
      sessionId: session.session.id,
      ip: request.ip,
      userAgent: request.userAgent,
    });
    return { body: sessionResponse(app, session, request.now) };
  },
});

import { z } from 'zod';
import { assertStrongPassword, hashPassword } from '../crypto/password.js';
import { LatchkeyError } from '../errors.js';
import { emailField, metadataField, newPasswordField, parse, route } from '../http/route.js';
import { createSession } from '../store/sessions.js';
import { createUser } from '../store/users.js';
import { sessionResponse } from './session-response.js';
import { signUpAnonymously } from './anonymous.js';
import { redirectQuery } from './email/action-mail.js';
import { pkceChallenge, pkceFields } from './email/pkce-params.js';
import { signUpUnconfirmed } from './email/signup-confirmation.js';

const signupBody = z.object({
  // Only their types are checked up front: which answer a request gets depends on which fields
  // it has, in GoTrue's order (below), so their content is checked there.
  email: z.string().optional(),
  phone: z.string().optional(),
  password: z.string().optional(),
  data: metadataField.optional(),
  ...pkceFields,
});

export const signup = route({
  method: 'POST',
  path: '/signup',
  auth: 'public',
  summary:
    'Create a user with email and password; answers with a session, or with LATCHKEY_MAILER_AUTOCONFIRM=false the user alone while a confirmation email goes out (PKCE with code_challenge(_method); redirect_to in the query). Without an email it is an anonymous sign-in (LATCHKEY_EXTERNAL_ANONYMOUS_USERS_ENABLED; else 422 anonymous_provider_disabled).',
  body: signupBody,
  query: redirectQuery,
  async handler({ app, body, query, request }) {
    // No email and no phone is supabase-js' signInAnonymously() (routes/anonymous.ts).
    if (!body.email && !body.phone) return { body: await signUpAnonymously(app, body.data ?? {}, request) };
    app.limiter.take('signupPerIp', request.ip);
    if (app.config.disableSignup) throw new LatchkeyError('signup_disabled');
    if (!body.password) throw new LatchkeyError('validation_failed', 'Signup requires a valid password');
    const { password } = parse(z.object({ password: newPasswordField }), body);
    assertStrongPassword(password, app.config);
    if (body.email && body.phone)
      throw new LatchkeyError('validation_failed', 'Only an email address or phone number should be provided on signup.');
    if (!body.email) throw new LatchkeyError('phone_provider_disabled');
    const { email } = parse(z.object({ email: emailField }), body);
    const pkce = pkceChallenge(body);
    const passwordHash = await hashPassword(password);
    if (!app.config.mailerAutoconfirm) {
      const redirectTo = app.redirects.resolve(query.redirect_to);
      return { body: await signUpUnconfirmed(app, { email, passwordHash, data: body.data ?? {}, pkce, redirectTo }, request) };
    }
    // Until email delivery exists, a sign-up is confirmed at once and gets a session.
    // One transaction: a failure leaves neither a user without a session nor half a user.
    const session = await app.db.transaction(async (tx) => {
      const user = await createUser(
        tx,
        {
          email,
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

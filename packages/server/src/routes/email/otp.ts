/**
 * POST /otp (supabase-js signInWithOtp) and the legacy POST /magiclink: a sign-in link and code
 * by email, creating the user first when `create_user` (default true) allows.
 */
import { z } from 'zod';
import type { App } from '../../app.js';
import { LatchkeyError } from '../../errors.js';
import { emailField, metadataField, parse, route, type RequestInfo } from '../../http/route.js';
import { createUnconfirmedUser } from '../../store/user-email.js';
import { findUserByEmail, type UserRow } from '../../store/users.js';
import { assertMailAvailable, auditSent, queueActionMail, redirectQuery, suppressActionMail, takeSendLimits } from './action-mail.js';
import { pkceChallenge, pkceFields, startFlow, type PkceChallenge } from './pkce-params.js';

interface MagicLinkRequest {
  email: string;
  createUser: boolean;
  data: Record<string, unknown>;
  pkce: PkceChallenge | undefined;
  redirectTo: string;
}

/**
 * Mails a confirmed user a magic link; an unconfirmed or new one gets the confirmation email
 * instead when sign-ups need confirming (GoTrue: that email is their magic link), else a magic link
 * that confirms the address when used. An unknown address with `create_user: false` gets nothing,
 * and the same answer as a registered one.
 */
async function sendMagicLink(app: App, input: MagicLinkRequest, request: RequestInfo): Promise<void> {
  const { email } = input;
  // Before the lookup, so the answers do not depend on it. One frequency timer for every email of
  // this route (GoTrue's recovery timer), whichever template the address gets.
  assertMailAvailable(app, 'magic_link');
  await takeSendLimits(app, request, 'recovery', [email]);
  let user: UserRow | undefined = await findUserByEmail(app.db, email);
  if (!user && !input.createUser) {
    // GoTrue answers 422 otp_disabled here, which tells anyone whether an address is registered.
    await suppressActionMail(app, 'magic_link', email, 'no user with this address (create_user: false)', {
      pkce: input.pkce !== undefined,
      tokenType: 'recovery',
      sentColumn: 'recovery_sent_at',
    });
    await app.audit({
      type: 'mail_not_sent',
      actor: 'anonymous',
      ip: request.ip,
      userAgent: request.userAgent,
      data: { kind: 'magic_link', to: email, reason: 'unknown address' },
    });
    return;
  }
  if (!user) {
    if (app.config.disableSignup) throw new LatchkeyError('signup_disabled');
    app.limiter.take('signupPerIp', request.ip);
  }
  const created = !user;
  const confirming = !user?.email_confirmed_at && !app.config.mailerAutoconfirm;
  const queued = await app.db.transaction(async (tx) => {
    user ??= await createUnconfirmedUser(tx, { email, passwordHash: null, userMetadata: input.data, invited: false, now: request.now });
    const flowStateId = await startFlow(tx, input.pkce, user.id, confirming ? 'email/signup' : 'magiclink', request.now);
    return queueActionMail(app, tx, {
      userId: user.id,
      ...(confirming
        ? { tokenType: 'confirmation', linkType: 'signup', template: 'confirmation', sentColumn: 'confirmation_sent_at' }
        : { tokenType: 'recovery', linkType: 'magiclink', template: 'magic_link', sentColumn: 'recovery_sent_at' }),
      to: email,
      email,
      redirectTo: input.redirectTo,
      flowStateId,
      userMetadata: user.raw_user_meta_data,
      now: request.now,
    });
  });
  if (created)
    await app.audit({
      type: 'user_signedup',
      actor: 'anonymous',
      userId: user!.id,
      ip: request.ip,
      userAgent: request.userAgent,
      data: { provider: 'email', via: 'otp', confirmed: false },
    });
  await auditSent(app, request, 'anonymous', user!.id, [queued]);
  app.mail.settle([queued]);
}

export const otp = route({
  method: 'POST',
  path: '/otp',
  auth: 'public',
  summary:
    'Email a sign-in link and a one-time code (supabase-js signInWithOtp); create_user (default true) creates the user, data becomes its user_metadata. Answers {}; with create_user false an unknown address gets the same answer and no mail. PKCE with code_challenge(_method); redirect_to in the query.',
  query: redirectQuery,
  body: z.object({
    email: z.string().nullish(),
    phone: z.string().nullish(),
    channel: z.string().nullish(),
    create_user: z.boolean().nullish(),
    data: metadataField.nullish(),
    ...pkceFields,
  }),
  async handler({ app, body, query, request }) {
    if (body.email && body.phone) throw new LatchkeyError('validation_failed', 'Only an email address or phone number should be provided');
    if (body.email && body.channel) throw new LatchkeyError('validation_failed', 'Channel should only be specified with Phone OTP');
    const pkce = pkceChallenge(body);
    if (!body.email) {
      if (body.phone) throw new LatchkeyError('phone_provider_disabled', 'Unsupported phone provider');
      throw new LatchkeyError('validation_failed', 'One of email or phone must be set');
    }
    const { email } = parse(z.object({ email: emailField }), body);
    await sendMagicLink(
      app,
      { email, createUser: body.create_user ?? true, data: body.data ?? {}, pkce, redirectTo: app.redirects.resolve(query.redirect_to) },
      request,
    );
    return { body: {} };
  },
});

export const magiclink = route({
  method: 'POST',
  path: '/magiclink',
  auth: 'public',
  summary: 'Legacy form of POST /otp for an email (always creates the user when unknown).',
  query: redirectQuery,
  body: z.object({ email: z.string().nullish(), data: metadataField.nullish(), ...pkceFields }),
  async handler({ app, body, query, request }) {
    if (!body.email) throw new LatchkeyError('validation_failed', 'Password recovery requires an email', { status: 422 });
    const { email } = parse(z.object({ email: emailField }), body);
    const pkce = pkceChallenge(body);
    await sendMagicLink(
      app,
      { email, createUser: true, data: body.data ?? {}, pkce, redirectTo: app.redirects.resolve(query.redirect_to) },
      request,
    );
    return { body: {} };
  },
});

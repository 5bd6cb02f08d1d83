/**
 * POST /admin/generate_link (supabase-js admin.generateLink): the link and code an email would
 * carry, returned to the admin instead of mailed (for an app that sends its own mail), with the
 * user. The answer is GoTrue's: the user's fields plus action_link, email_otp, hashed_token,
 * verification_type and redirect_to. (`hashed_token` is what POST /verify takes as token_hash; in
 * Latchkey it is the link token itself, which the database keeps only a hash of.)
 */
import { z } from 'zod';
import { assertStrongPassword, hashPassword } from '../../crypto/password.js';
import { LatchkeyError } from '../../errors.js';
import { emailField, metadataField, newPasswordField, parse, route } from '../../http/route.js';
import { deleteUserTokens } from '../../store/one-time-tokens.js';
import { beginEmailChange, createUnconfirmedUser, markInvited } from '../../store/user-email.js';
import { findUserByEmail, updateUser, userJson, type UserRow } from '../../store/users.js';
import { issueToken, redirectQuery, type LinkType } from './action-mail.js';
import type { TokenType } from '../../store/one-time-tokens.js';

const LINK_TYPES = ['signup', 'invite', 'magiclink', 'recovery', 'email_change_current', 'email_change_new'] as const;

export const adminGenerateLink = route({
  method: 'POST',
  path: '/admin/generate_link',
  auth: 'admin',
  summary:
    'The link and code of an email without sending it: type signup (with password), invite, magiclink (an unknown address becomes a signup), recovery, email_change_current or email_change_new (with new_email). Answers the user with action_link, email_otp, hashed_token, verification_type and redirect_to.',
  query: redirectQuery,
  body: z.object({
    type: z.string(),
    email: emailField,
    password: newPasswordField.nullish(),
    data: metadataField.nullish(),
    new_email: z.string().nullish(),
    redirect_to: z.string().max(4096).nullish(),
    // supabase-js spreads its options into the body, so redirectTo arrives camel-cased too.
    redirectTo: z.string().max(4096).nullish(),
  }),
  async handler({ app, body, query, request }) {
    let type = body.type;
    if (!(LINK_TYPES as readonly string[]).includes(type)) {
      throw new LatchkeyError('validation_failed', `Invalid email action link type requested: ${type}`);
    }
    const redirectTo = app.redirects.resolve(body.redirect_to ?? body.redirectTo ?? query.redirect_to);
    const { email } = body;
    const now = request.now;
    let user: UserRow | undefined = await findUserByEmail(app.db, email);
    if (!user) {
      if (type === 'magiclink') type = 'signup';
      else if (type === 'recovery' || type === 'email_change_current' || type === 'email_change_new') {
        throw new LatchkeyError('user_not_found', 'User with this email not found');
      }
    }
    let passwordHash: string | null = null;
    if (type === 'signup' && !user && body.type === 'signup') {
      if (!body.password) throw new LatchkeyError('validation_failed', 'Signup requires a valid password');
      assertStrongPassword(body.password, app.config);
      passwordHash = await hashPassword(body.password);
    }
    let newEmail: string | undefined;
    if (type === 'email_change_current' || type === 'email_change_new') {
      if (type === 'email_change_current' && !app.config.mailerSecureEmailChangeEnabled) {
        throw new LatchkeyError('validation_failed', 'Enable secure email change to generate link for current email');
      }
      if (!body.new_email) throw new LatchkeyError('validation_failed', 'An email address is required');
      newEmail = parse(z.object({ new_email: emailField }), body).new_email;
      const holder = await findUserByEmail(app.db, newEmail);
      if (holder && holder.id !== user!.id) throw new LatchkeyError('email_exists');
    }
    let created = false;
    const result = await app.db.transaction(async (tx) => {
      let tokenType: TokenType;
      let linkType: LinkType;
      let to = email;
      switch (type) {
        case 'signup':
        case 'invite':
          if (user?.email_confirmed_at) throw new LatchkeyError('email_exists');
          if (!user) {
            created = true;
            user = await createUnconfirmedUser(tx, { email, passwordHash, userMetadata: body.data ?? {}, invited: type === 'invite', now });
          } else if (body.data) {
            user = (await updateUser(tx, user.id, { userMetadata: body.data }, now)) ?? user;
          }
          if (type === 'invite') await markInvited(tx, user.id, now);
          tokenType = 'confirmation';
          linkType = type;
          break;
        case 'magiclink':
        case 'recovery':
          tokenType = 'recovery';
          linkType = type;
          break;
        default: {
          // email_change_current / email_change_new: a change to another address than the one
          // pending starts afresh, so no earlier confirmation counts toward it.
          if (user!.email_change !== newEmail) await deleteUserTokens(tx, user!.id, ['email_change_current', 'email_change_new']);
          user = (await beginEmailChange(tx, user!.id, newEmail as string, now)) ?? user;
          tokenType = type as TokenType;
          linkType = 'email_change';
          if (type === 'email_change_new') to = newEmail as string;
        }
      }
      const token = await issueToken(app, tx, { userId: user!.id, tokenType, linkType, to, redirectTo, flowStateId: null, now });
      return { token, user: user! };
    });
    await app.audit({
      type: type === 'invite' ? 'user_invited' : created ? 'user_created' : 'user_updated',
      actor: 'admin',
      userId: result.user.id,
      ip: request.ip,
      data: { generate_link: type },
    });
    return {
      body: {
        ...userJson(result.user),
        action_link: result.token.actionLink,
        email_otp: result.token.code,
        hashed_token: result.token.linkToken,
        verification_type: type,
        redirect_to: redirectTo,
      },
    };
  },
});

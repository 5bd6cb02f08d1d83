/**
 * Sign-up when addresses must be confirmed (LATCHKEY_MAILER_AUTOCONFIRM=false): the user is
 * created unconfirmed, a confirmation link and code go out, and the answer is the user without a
 * session. As GoTrue: signing up again while unconfirmed sends the confirmation again; an address
 * already confirmed gets a look-alike user (a fresh id, no identities) and no mail, so the answer
 * does not say who is registered.
 */
import { randomUUID } from 'node:crypto';
import type { App } from '../../app.js';
import type { RequestInfo } from '../../http/route.js';
import { createUnconfirmedUser } from '../../store/user-email.js';
import { findUserByEmail, userJson, type UserRow } from '../../store/users.js';
import { assertMailAvailable, auditSent, queueActionMail, suppressActionMail, takeSendLimits } from './action-mail.js';
import { startFlow, type PkceChallenge } from './pkce-params.js';

export interface UnconfirmedSignUp {
  email: string;
  passwordHash: string;
  data: Record<string, unknown>;
  pkce: PkceChallenge | undefined;
  redirectTo: string;
}

/** GoTrue's sanitized user: what a sign-up of an already confirmed address answers. */
function lookAlike(email: string, data: Record<string, unknown>, now: Date): Record<string, unknown> {
  const at = now.toISOString();
  return {
    id: randomUUID(),
    aud: 'authenticated',
    role: '',
    email,
    phone: '',
    confirmation_sent_at: at,
    app_metadata: { provider: 'email', providers: ['email'] },
    user_metadata: data,
    identities: [],
    created_at: at,
    updated_at: at,
    is_anonymous: false,
  };
}

export async function signUpUnconfirmed(app: App, input: UnconfirmedSignUp, request: RequestInfo): Promise<Record<string, unknown>> {
  const { email } = input;
  // Before the lookup: the same refusals whoever holds the address.
  assertMailAvailable(app, 'confirmation');
  await takeSendLimits(app, request, 'confirmation', [email]);
  const existing = await findUserByEmail(app.db, email);
  if (existing?.email_confirmed_at) {
    await suppressActionMail(app, 'confirmation', email, 'address already registered and confirmed', {
      pkce: input.pkce !== undefined,
      tokenType: 'confirmation',
      sentColumn: 'confirmation_sent_at',
    });
    await app.audit({
      type: 'mail_not_sent',
      actor: 'anonymous',
      userId: existing.id,
      ip: request.ip,
      userAgent: request.userAgent,
      data: { kind: 'confirmation', to: email, reason: 'repeated sign-up' },
    });
    return lookAlike(email, input.data, request.now);
  }
  let user: UserRow | undefined = existing;
  const queued = await app.db.transaction(async (tx) => {
    // An unconfirmed user is not updated: nobody has proven they own the address (GoTrue's rule).
    user ??= await createUnconfirmedUser(tx, {
      email,
      passwordHash: input.passwordHash,
      userMetadata: input.data,
      invited: false,
      now: request.now,
    });
    const flowStateId = await startFlow(tx, input.pkce, user.id, 'email/signup', request.now);
    return queueActionMail(app, tx, {
      userId: user.id,
      tokenType: 'confirmation',
      linkType: 'signup',
      template: 'confirmation',
      to: email,
      email,
      redirectTo: input.redirectTo,
      flowStateId,
      userMetadata: user.raw_user_meta_data,
      sentColumn: 'confirmation_sent_at',
      now: request.now,
    });
  });
  const row = user as unknown as UserRow;
  if (!existing)
    await app.audit({
      type: 'user_signedup',
      actor: 'anonymous',
      userId: row.id,
      ip: request.ip,
      userAgent: request.userAgent,
      data: { provider: 'email', confirmed: false },
    });
  await auditSent(app, request, 'anonymous', row.id, [queued]);
  app.mail.settle([queued]);
  return userJson({ ...row, confirmation_sent_at: request.now });
}

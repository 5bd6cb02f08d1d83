/**
 * GoTrue's /passkeys ceremonies: a signed-in user registers a passkey; anyone signs in with one
 * (discoverable credentials: the authenticator says whose it is), no password. WebAuthn checks in
 * crypto/webauthn.ts, statements in store/passkeys.ts.
 */
import { z } from 'zod';
import type { App } from '../../app.js';
import {
  authenticationOptions,
  counterMovedForward,
  registrationOptions,
  relyingParty,
  verifyAuthentication,
  verifyRegistration,
  type AuthenticationResponseJSON,
  type RegistrationResponseJSON,
} from '../../crypto/webauthn.js';
import { LatchkeyError } from '../../errors.js';
import { route, type HandlerContext } from '../../http/route.js';
import {
  consumePasskeyChallenge,
  countPasskeys,
  createPasskey,
  createPasskeyChallenge,
  findPasskeyByCredentialId,
  listPasskeys,
  usePasskey,
  type CeremonyType,
  type PasskeyChallengeRow,
} from '../../store/passkeys.js';
import { createSession } from '../../store/sessions.js';
import { findUserById, isBanned } from '../../store/users.js';
import { sessionResponse } from '../session-response.js';

type Auth = NonNullable<HandlerContext<unknown, unknown>['auth']>;

/** GoTrue answers every /passkeys route 404 passkey_disabled while LATCHKEY_PASSKEY_ENABLED is off. */
export function requirePasskeys(app: App): void {
  if (!app.config.passkeyEnabled) throw new LatchkeyError('passkey_disabled');
}

/**
 * Once a user has a verified second factor, managing passkeys takes an aal2 session (GoTrue's
 * rule): a passkey is a way in, so adding one must not be open to whoever holds only the password.
 */
export function requirePasskeyManagementAal(auth: Auth): void {
  const hasFactor = (auth.user.factors ?? []).some((f) => f.status === 'verified');
  if (hasFactor && auth.session.aal !== 'aal2') {
    throw new LatchkeyError('insufficient_aal', 'AAL2 session is required to manage passkeys when MFA is enabled');
  }
}

const verifyBody = z.object({
  challenge_id: z.string().min(1, 'challenge_id is required').max(64),
  credential: z.record(z.string(), z.unknown()),
});

/** The challenge a verification names, consumed whatever comes next; GoTrue's 400s otherwise. */
async function takeChallenge(app: App, id: string, type: CeremonyType, userId: string | null, now: Date): Promise<PasskeyChallengeRow> {
  const challenge = await consumePasskeyChallenge(app.db, id, type, userId);
  if (!challenge) throw new LatchkeyError('webauthn_challenge_not_found');
  if (new Date(challenge.expires_at) <= now) throw new LatchkeyError('webauthn_challenge_expired');
  return challenge;
}

const expiry = (app: App, now: Date) => new Date(now.getTime() + app.config.webauthnChallengeExpiryDuration * 1000);

export const passkeyRegistrationOptions = route({
  method: 'POST',
  path: '/passkeys/registration/options',
  auth: 'user',
  summary:
    'Start adding a passkey to the signed-in user → { challenge_id, options (for navigator.credentials.create: a discoverable credential, user verification required), expires_at }.',
  body: z.unknown(),
  async handler({ app, auth, request }) {
    requirePasskeys(app);
    requirePasskeyManagementAal(auth!);
    if ((await countPasskeys(app.db, auth!.user.id)) >= app.config.passkeyMaxPasskeysPerUser) throw new LatchkeyError('too_many_passkeys');
    const existing = await listPasskeys(app.db, auth!.user.id);
    const name = auth!.user.email || auth!.user.id;
    const meta = auth!.user.raw_user_meta_data;
    const options = await registrationOptions(relyingParty(app.config), {
      userId: auth!.user.id,
      userName: name,
      userDisplayName: typeof meta.name === 'string' && meta.name !== '' ? meta.name : name,
      exclude: existing.map((p) => ({ id: p.credential_id, transports: p.transports })),
      passkey: true,
    });
    const expiresAt = expiry(app, request.now);
    // Bound to this ceremony and this user: only a registration verify by the same user consumes it.
    const challenge = await createPasskeyChallenge(app.db, 'registration', auth!.user.id, options.challenge, request.now, expiresAt);
    return { body: { challenge_id: challenge.id, options, expires_at: Math.floor(expiresAt.getTime() / 1000) } };
  },
});

export const passkeyRegistrationVerify = route({
  method: 'POST',
  path: '/passkeys/registration/verify',
  auth: 'user',
  summary:
    'Finish adding a passkey: { challenge_id, credential (the serialized navigator.credentials.create() result) } → { id, friendly_name, created_at }.',
  body: verifyBody,
  async handler({ app, auth, body, request }) {
    requirePasskeys(app);
    requirePasskeyManagementAal(auth!);
    const challenge = await takeChallenge(app, body.challenge_id, 'registration', auth!.user.id, request.now);
    // A passkey stands in for the password, so the authenticator must verify its user.
    const credential = await verifyRegistration(
      relyingParty(app.config),
      body.credential as unknown as RegistrationResponseJSON,
      challenge.challenge,
      true,
    );
    const passkey = await app.db.transaction((tx) =>
      createPasskey(
        tx,
        {
          userId: auth!.user.id,
          credentialId: credential.id,
          publicKey: credential.publicKey,
          counter: credential.counter,
          transports: credential.transports,
          aaguid: credential.aaguid,
          backupEligible: credential.backupEligible,
          backedUp: credential.backedUp,
          friendlyName: 'Passkey',
          now: request.now,
        },
        app.config.passkeyMaxPasskeysPerUser,
      ),
    );
    await app.audit({
      type: 'passkey_added',
      actor: 'user',
      userId: auth!.user.id,
      sessionId: auth!.session.id,
      ip: request.ip,
      userAgent: request.userAgent,
      data: { passkey_id: passkey.id },
    });
    return { body: { id: passkey.id, friendly_name: passkey.friendly_name, created_at: new Date(passkey.created_at).toISOString() } };
  },
});

export const passkeyAuthenticationOptions = route({
  method: 'POST',
  path: '/passkeys/authentication/options',
  auth: 'public',
  summary:
    'Start a passkey sign-in → { challenge_id, options (for navigator.credentials.get: no allowCredentials, user verification required), expires_at }. 30 per 5 minutes per IP.',
  body: z.unknown(),
  async handler({ app, request }) {
    requirePasskeys(app);
    app.limiter.take('passkeyPerIp', request.ip);
    // Discoverable: no credential list, so the options say nothing about which accounts exist.
    const options = await authenticationOptions(relyingParty(app.config), [], 'required');
    const expiresAt = expiry(app, request.now);
    const challenge = await createPasskeyChallenge(app.db, 'authentication', null, options.challenge, request.now, expiresAt);
    return { body: { challenge_id: challenge.id, options, expires_at: Math.floor(expiresAt.getTime() / 1000) } };
  },
});

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const passkeyAuthenticationVerify = route({
  method: 'POST',
  path: '/passkeys/authentication/verify',
  auth: 'public',
  summary:
    'Finish a passkey sign-in: { challenge_id, credential (the serialized navigator.credentials.get() result) } → a session (amr: passkey; aal1, as GoTrue: a second factor still raises it).',
  body: verifyBody,
  async handler({ app, body, request }) {
    requirePasskeys(app);
    const challenge = await takeChallenge(app, body.challenge_id, 'authentication', null, request.now);
    const response = body.credential as unknown as AuthenticationResponseJSON;
    const passkey = typeof response.id === 'string' ? await findPasskeyByCredentialId(app.db, response.id) : undefined;
    // The authenticator names its user (the user handle is the user id we registered): it must be
    // the passkey's owner, or a credential is being presented for someone else's account.
    const handle =
      typeof response.response?.userHandle === 'string' ? Buffer.from(response.response.userHandle, 'base64url').toString('utf8') : '';
    if (!passkey || !UUID.test(handle) || handle !== passkey.user_id) throw new LatchkeyError('webauthn_verification_failed');
    const audit = (type: 'passkey_login_failed' | 'webauthn_counter_regression', data: Record<string, unknown>) =>
      app.audit({
        type,
        actor: 'anonymous',
        userId: passkey.user_id,
        ip: request.ip,
        userAgent: request.userAgent,
        data: { passkey_id: passkey.id, ...data },
      });
    let verified: { counter: number; backedUp: boolean };
    try {
      verified = await verifyAuthentication(
        relyingParty(app.config),
        response,
        challenge.challenge,
        { id: passkey.credential_id, publicKey: passkey.public_key, transports: passkey.transports },
        true,
      );
    } catch (error) {
      await audit('passkey_login_failed', { reason: 'verification_failed' });
      throw error;
    }
    if (!counterMovedForward(Number(passkey.sign_count), verified.counter)) {
      // A signature that checks out with a counter that went backwards: two copies of one
      // authenticator exist. Refused, and left for the operator to see.
      await audit('webauthn_counter_regression', { stored: Number(passkey.sign_count), reported: verified.counter });
      throw new LatchkeyError('webauthn_verification_failed');
    }
    const user = await findUserById(app.db, passkey.user_id);
    if (!user) throw new LatchkeyError('webauthn_verification_failed');
    if (isBanned(user, request.now)) throw new LatchkeyError('user_banned');
    const session = await app.db.transaction(async (tx) => {
      // The counter moves forward in the statement that stores it: two assertions racing with
      // one counter value cannot both sign in.
      if (!(await usePasskey(tx, passkey.id, verified.counter, verified.backedUp, request.now))) return undefined;
      return createSession(tx, passkey.user_id, 'passkey', { now: request.now, userAgent: request.userAgent, ip: request.ip });
    });
    if (!session) {
      await audit('webauthn_counter_regression', { stored: Number(passkey.sign_count), reported: verified.counter, concurrent: true });
      throw new LatchkeyError('webauthn_verification_failed');
    }
    await app.audit({
      type: 'passkey_login',
      actor: 'user',
      userId: session.user.id,
      sessionId: session.session.id,
      ip: request.ip,
      userAgent: request.userAgent,
      data: { passkey_id: passkey.id },
    });
    return { body: sessionResponse(app, session, request.now) };
  },
});

/**
 * WebAuthn factors (GoTrue's `factor_type: 'webauthn'`): the challenge of an unverified factor is
 * a registration ceremony (`create`), of a verified one an authentication ceremony (`request`);
 * verifying it raises the session to aal2 like a TOTP code does (./factors.ts).
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
import { LatchkeyError, isLatchkeyError } from '../../errors.js';
import type { HandlerContext, RequestInfo } from '../../http/route.js';
import {
  advanceFactorCounter,
  consumeChallenge,
  createChallenge,
  listFactors,
  webAuthnCredentialsOf,
  type ChallengeRow,
  type FactorRow,
} from '../../store/factors.js';
import { completeVerification, loadChallenge, verificationFailed, type webAuthnVerifyBody } from './factors.js';

type Auth = NonNullable<HandlerContext<unknown, unknown>['auth']>;

export async function challengeWebAuthnFactor(
  app: App,
  auth: Auth,
  factor: FactorRow,
  request: RequestInfo,
): Promise<{ challenge: ChallengeRow; webauthn: { type: 'create' | 'request'; credential_options: { publicKey: unknown } } }> {
  const rp = relyingParty(app.config);
  if (factor.status !== 'verified' || !factor.webauthn_credential) {
    const name = auth.user.email || auth.user.id;
    const publicKey = await registrationOptions(rp, {
      userId: auth.user.id,
      userName: name,
      userDisplayName: name,
      // The user's other WebAuthn factors: one authenticator is one factor.
      exclude: webAuthnCredentialsOf(await listFactors(app.db, auth.user.id)),
      passkey: false,
    });
    // The challenge is stored with the ceremony it belongs to: a `create` answer cannot be
    // replayed as a `request`, nor either on another factor or challenge.
    const challenge = await createChallenge(app.db, factor.id, request.ip, request.now, { type: 'create', challenge: publicKey.challenge });
    return { challenge, webauthn: { type: 'create', credential_options: { publicKey } } };
  }
  const publicKey = await authenticationOptions(rp, [factor.webauthn_credential], 'preferred');
  const challenge = await createChallenge(app.db, factor.id, request.ip, request.now, { type: 'request', challenge: publicKey.challenge });
  return { challenge, webauthn: { type: 'request', credential_options: { publicKey } } };
}

export async function verifyWebAuthnFactor(
  app: App,
  auth: Auth,
  factor: FactorRow,
  body: { challenge_id: string; webauthn?: z.infer<typeof webAuthnVerifyBody> },
  request: RequestInfo,
) {
  if (!body.webauthn) throw new LatchkeyError('validation_failed', 'WebAuthn config required');
  const challenge = await loadChallenge(app, factor, body.challenge_id, request);
  app.limiter.check('factorFailures', factor.id);
  // One ceremony per challenge, answered or not: consumed before the response is even looked at.
  if (!(await consumeChallenge(app.db, challenge.id))) {
    throw new LatchkeyError('mfa_factor_not_found', 'MFA factor with the provided challenge ID not found', { status: 422 });
  }
  const ceremony = challenge.webauthn;
  if (!ceremony || ceremony.type !== body.webauthn.type) {
    return verificationFailed(app, auth, factor, request, 'ceremony_mismatch', 'The WebAuthn response does not answer this challenge');
  }
  const rp = relyingParty(app.config);
  const fail = (error: unknown) => {
    if (isLatchkeyError(error)) return verificationFailed(app, auth, factor, request, error.message, 'WebAuthn verification failed');
    throw error;
  };

  if (ceremony.type === 'create') {
    // Second factor: possession is the factor, so user verification is preferred, not required.
    const credential = await verifyRegistration(
      rp,
      body.webauthn.credential_response as unknown as RegistrationResponseJSON,
      ceremony.challenge,
      false,
    ).catch(fail);
    const stored = { id: credential.id, publicKey: credential.publicKey, counter: credential.counter, transports: credential.transports };
    const session = await completeVerification(app, auth, factor, request, async () => true, stored);
    return session ?? verificationFailed(app, auth, factor, request, 'used_concurrently', 'WebAuthn verification failed');
  }

  const stored = factor.webauthn_credential;
  const response = body.webauthn.credential_response as unknown as AuthenticationResponseJSON;
  if (!stored || response.id !== stored.id) {
    return verificationFailed(app, auth, factor, request, 'unknown_credential', 'WebAuthn verification failed');
  }
  const { counter } = await verifyAuthentication(rp, response, ceremony.challenge, stored, false).catch(fail);
  if (!counterMovedForward(Number(stored.counter), counter)) {
    await app.audit({
      type: 'webauthn_counter_regression',
      actor: 'system',
      userId: auth.user.id,
      sessionId: auth.session.id,
      ip: request.ip,
      userAgent: request.userAgent,
      data: { factor_id: factor.id, stored: Number(stored.counter), reported: counter },
    });
    return verificationFailed(app, auth, factor, request, 'counter_regression', 'WebAuthn verification failed');
  }
  // The counter moves forward in the statement that stores it: two assertions racing with one
  // counter value cannot both pass.
  const session = await completeVerification(app, auth, factor, request, (tx) => advanceFactorCounter(tx, factor.id, counter));
  return session ?? verificationFailed(app, auth, factor, request, 'counter_regression', 'WebAuthn verification failed');
}

/**
 * GoTrue's /factors API: enrol a second factor, challenge it, verify it (raising the session to
 * aal2), remove it. TOTP here; WebAuthn ceremonies in ./webauthn-factor.ts. Statements live in
 * store/factors.ts, secrets in crypto/totp.ts.
 */
import { z } from 'zod';
import type { App } from '../../app.js';
import { matchTotpCode, openTotpSecret, sealTotpSecret, generateTotpSecret, totpQrCode, totpUri } from '../../crypto/totp.js';
import { LatchkeyError } from '../../errors.js';
import { route, type HandlerContext, type RequestInfo } from '../../http/route.js';
import {
  consumeChallenge,
  consumeTotpStep,
  createChallenge,
  createFactor,
  deleteExpiredFactors,
  deleteFactor,
  findChallenge,
  findFactor,
  listFactors,
  markVerified,
  newFactorId,
  type ChallengeRow,
  type FactorRow,
  type FactorType,
  type StoredWebAuthnCredential,
} from '../../store/factors.js';
import type { Queryable } from '../../db/database.js';
import { downgradeFactorSessions, revokeAal1Sessions, upgradeSession } from '../../store/sessions.js';
import { sessionResponse } from '../session-response.js';
import { challengeWebAuthnFactor, verifyWebAuthnFactor } from './webauthn-factor.js';

/** The `webauthn` member of a verification: which ceremony, and the browser's serialized credential. */
export const webAuthnVerifyBody = z.object({
  type: z.enum(['create', 'request']),
  credential_response: z.record(z.string(), z.unknown()),
});

type Auth = NonNullable<HandlerContext<unknown, unknown>['auth']>;

/** The amr method a factor type adds to its session (GoTrue's names). */
export const AMR_METHOD: Record<FactorType, string> = { totp: 'totp', webauthn: 'mfa/webauthn' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The caller's factor named by the path, or GoTrue's 404s. */
export async function loadFactor(app: App, userId: string, factorId: string): Promise<FactorRow> {
  if (!UUID.test(factorId)) throw new LatchkeyError('validation_failed', 'factor_id must be an UUID', { status: 404 });
  // Scoped to the caller: another user's factor id is simply not found.
  const factor = await findFactor(app.db, userId, factorId);
  if (!factor) throw new LatchkeyError('mfa_factor_not_found');
  return factor;
}

function requireVerifyEnabled(app: App, type: FactorType): void {
  if (type === 'totp' && !app.config.mfaTotpVerifyEnabled) throw new LatchkeyError('mfa_totp_verify_not_enabled');
  if (type === 'webauthn' && !app.config.mfaWebAuthnVerifyEnabled) throw new LatchkeyError('mfa_webauthn_verify_not_enabled');
}

/**
 * GoTrue's enrolment rules, checked under a lock on the user's row so two enrolments at once
 * cannot both slip under the cap: abandoned unverified factors past their expiry go first; a
 * friendly name is unique per user; at most LATCHKEY_MFA_MAX_ENROLLED_FACTORS factors and
 * LATCHKEY_MFA_MAX_VERIFIED_FACTORS verified ones; and once a factor is verified, adding another
 * takes an aal2 session (else whoever holds only the password could add their own factor).
 */
async function enrolFactor(app: App, auth: Auth, friendlyName: string, type: FactorType, secret: (id: string) => string | null, now: Date) {
  const id = newFactorId();
  return app.db.transaction(async (tx) => {
    await tx.query('SELECT id FROM users WHERE id = $1 FOR UPDATE', [auth.user.id]);
    await deleteExpiredFactors(tx, auth.user.id, new Date(now.getTime() - app.config.mfaFactorExpiryDuration * 1000));
    const factors = await listFactors(tx, auth.user.id);
    if (friendlyName !== '' && factors.some((f) => f.friendly_name === friendlyName)) {
      throw new LatchkeyError('mfa_factor_name_conflict', `A factor with the friendly name "${friendlyName}" for this user already exists`);
    }
    const verified = factors.filter((f) => f.status === 'verified').length;
    if (factors.length >= app.config.mfaMaxEnrolledFactors || verified >= app.config.mfaMaxVerifiedFactors) {
      throw new LatchkeyError('too_many_enrolled_mfa_factors');
    }
    if (verified > 0 && auth.session.aal !== 'aal2') throw new LatchkeyError('insufficient_aal', 'AAL2 required to enroll a new factor');
    return createFactor(tx, { id, userId: auth.user.id, friendlyName, type, secret: secret(id), now });
  });
}

export const enrollFactor = route({
  method: 'POST',
  path: '/factors',
  auth: 'user',
  summary:
    'Enrol a second factor: { factor_type: "totp", friendly_name, issuer } → { id, type, friendly_name, totp: { qr_code (SVG), secret, uri } }; "webauthn" → { id, type, friendly_name } (its challenge carries the registration options).',
  body: z.object({
    factor_type: z.string().max(32),
    friendly_name: z.string().max(256).optional(),
    issuer: z.string().max(256).optional(),
    phone: z.string().max(64).optional(),
  }),
  async handler({ app, auth, body, request }) {
    const friendlyName = body.friendly_name ?? '';
    let factor: FactorRow;
    let totp: { qr_code: string; secret: string; uri: string } | undefined;
    switch (body.factor_type) {
      case 'totp': {
        if (!app.config.mfaTotpEnrollEnabled) throw new LatchkeyError('mfa_totp_enroll_not_enabled');
        const secret = generateTotpSecret();
        // GoTrue's default issuer is the site's host; Latchkey's is the WebAuthn RP id (the app's domain).
        const uri = totpUri(secret, body.issuer || app.config.webauthnRpId, auth!.user.email || auth!.user.id);
        factor = await enrolFactor(app, auth!, friendlyName, 'totp', (id) => sealTotpSecret(app.totpKey, id, secret), request.now);
        // The one time the secret leaves the server: the enrolling user puts it in their app.
        totp = { qr_code: totpQrCode(uri), secret, uri };
        break;
      }
      case 'webauthn':
        if (!app.config.mfaWebAuthnEnrollEnabled) throw new LatchkeyError('mfa_webauthn_enroll_not_enabled');
        factor = await enrolFactor(app, auth!, friendlyName, 'webauthn', () => null, request.now);
        break;
      case 'phone':
        // Phone factors need an SMS provider, which Latchkey does not have: GoTrue's answer when off.
        throw new LatchkeyError('mfa_phone_enroll_not_enabled');
      default:
        throw new LatchkeyError('validation_failed', 'factor_type needs to be totp, phone, or webauthn');
    }
    await app.audit({
      type: 'mfa_factor_enrolled',
      actor: 'user',
      userId: auth!.user.id,
      sessionId: auth!.session.id,
      ip: request.ip,
      userAgent: request.userAgent,
      data: { factor_id: factor.id, factor_type: factor.factor_type },
    });
    return {
      body: { id: factor.id, type: factor.factor_type, friendly_name: factor.friendly_name, ...(totp ? { totp } : {}) },
    };
  },
});

export const challengeFactor = route({
  method: 'POST',
  path: '/factors/:id/challenge',
  auth: 'user',
  summary:
    'Challenge a factor → { id, type, expires_at } (WebAuthn: and webauthn: { type: "create" | "request", credential_options: { publicKey } }). 15 a minute per IP.',
  body: z.object({ channel: z.string().max(16).optional() }),
  async handler({ app, auth, params, request }) {
    app.limiter.take('factorChallengePerIp', request.ip);
    const factor = await loadFactor(app, auth!.user.id, params.id as string);
    requireVerifyEnabled(app, factor.factor_type);
    const expiresAt = Math.floor(request.now.getTime() / 1000) + app.config.mfaChallengeExpiryDuration;
    if (factor.factor_type === 'webauthn') {
      const { challenge, webauthn } = await challengeWebAuthnFactor(app, auth!, factor, request);
      return { body: { id: challenge.id, type: factor.factor_type, expires_at: expiresAt, webauthn } };
    }
    const challenge = await createChallenge(app.db, factor.id, request.ip, request.now);
    return { body: { id: challenge.id, type: factor.factor_type, expires_at: expiresAt } };
  },
});

/**
 * The challenge a verification names, or GoTrue's refusals: unknown (or consumed), from another
 * IP than it was issued to, or expired (then removed).
 */
export async function loadChallenge(app: App, factor: FactorRow, challengeId: string, request: RequestInfo): Promise<ChallengeRow> {
  const challenge = await findChallenge(app.db, factor.id, challengeId);
  if (!challenge) throw new LatchkeyError('mfa_factor_not_found', 'MFA factor with the provided challenge ID not found', { status: 422 });
  // Bound to the address that asked for it (GoTrue's rule): a challenge id seen elsewhere is no use.
  if (challenge.ip !== request.ip) throw new LatchkeyError('mfa_ip_address_mismatch');
  if (request.now.getTime() - new Date(challenge.created_at).getTime() > app.config.mfaChallengeExpiryDuration * 1000) {
    await consumeChallenge(app.db, challenge.id);
    throw new LatchkeyError(
      'mfa_challenge_expired',
      `MFA challenge ${challenge.id} has expired, verify against another challenge or create a new challenge.`,
    );
  }
  return challenge;
}

/** A failed verification: counted against the factor, audited, refused with GoTrue's code. */
export async function verificationFailed(
  app: App,
  auth: Auth,
  factor: FactorRow,
  request: RequestInfo,
  reason: string,
  message: string,
): Promise<never> {
  app.limiter.record('factorFailures', factor.id);
  await app.audit({
    type: 'mfa_verification_failed',
    actor: 'user',
    userId: auth.user.id,
    sessionId: auth.session.id,
    ip: request.ip,
    userAgent: request.userAgent,
    data: { factor_id: factor.id, factor_type: factor.factor_type, reason },
  });
  throw new LatchkeyError('mfa_verification_failed', message);
}

/** Thrown inside the verification's transaction when its one use was taken concurrently: rolls it back. */
class UsedConcurrently extends Error {}

/**
 * After the factor proved itself: in one transaction, `consume` its single-use parts (the TOTP
 * step and challenge, or the WebAuthn counter), mark the factor verified on its first use, raise
 * this session to aal2 and rotate its refresh token (store/sessions.ts upgradeSession), end the
 * user's other aal1 sessions. Answers with the session, or undefined when `consume` found its
 * one use already taken by a concurrent verification (then nothing changed).
 */
export async function completeVerification(
  app: App,
  auth: Auth,
  factor: FactorRow,
  request: RequestInfo,
  consume: (tx: Queryable) => Promise<boolean>,
  markVerifiedWith?: StoredWebAuthnCredential,
) {
  let outcome;
  try {
    outcome = await app.db.transaction(async (tx) => {
      if (!(await consume(tx))) throw new UsedConcurrently();
      if (factor.status !== 'verified') await markVerified(tx, factor, request.now, markVerifiedWith);
      const upgraded = await upgradeSession(tx, app.clock, {
        sessionId: auth.session.id,
        userId: auth.user.id,
        method: AMR_METHOD[factor.factor_type],
        factorId: factor.id,
        now: request.now,
      });
      if (!upgraded) throw new LatchkeyError('session_not_found');
      const ended = await revokeAal1Sessions(tx, auth.user.id, auth.session.id, request.now);
      return { upgraded, ended };
    });
  } catch (error) {
    if (error instanceof UsedConcurrently) return undefined;
    throw error;
  }
  await app.audit({
    type: 'mfa_factor_verified',
    actor: 'user',
    userId: auth.user.id,
    sessionId: auth.session.id,
    ip: request.ip,
    userAgent: request.userAgent,
    data: {
      factor_id: factor.id,
      factor_type: factor.factor_type,
      first_verification: factor.status !== 'verified',
      aal1_sessions_ended: outcome.ended,
    },
  });
  return sessionResponse(app, outcome.upgraded, request.now);
}

async function verifyTotp(app: App, auth: Auth, factor: FactorRow, body: { challenge_id: string; code?: string }, request: RequestInfo) {
  if (!body.code) throw new LatchkeyError('validation_failed', 'Code needs to be non-empty');
  const challenge = await loadChallenge(app, factor, body.challenge_id, request);
  // Checked before the code is: past the factor's failure budget nothing is compared at all.
  app.limiter.check('factorFailures', factor.id);
  const secret = openTotpSecret(app.totpKey, factor.id, factor.secret as string);
  const step = matchTotpCode(secret, body.code, request.now.getTime());
  if (step === undefined) return verificationFailed(app, auth, factor, request, 'wrong_code', 'Invalid TOTP code entered');
  // Single use, both: the step moves forward and the challenge is deleted, in the transaction
  // that raises the session, or neither happens.
  const session = await completeVerification(
    app,
    auth,
    factor,
    request,
    async (tx) => (await consumeTotpStep(tx, factor.id, step)) && (await consumeChallenge(tx, challenge.id)),
  );
  return session ?? verificationFailed(app, auth, factor, request, 'code_already_used', 'Invalid TOTP code entered');
}

export const verifyFactor = route({
  method: 'POST',
  path: '/factors/:id/verify',
  auth: 'user',
  summary:
    'Verify a challenge: { challenge_id, code } (TOTP) or { challenge_id, webauthn: { type, credential_response } } → a session response for the same session, now aal2 (amr: the factor first). 15 a minute per IP, and a budget of failures per factor.',
  body: z.object({
    challenge_id: z.string().max(64),
    code: z.string().max(32).optional(),
    webauthn: webAuthnVerifyBody.optional(),
  }),
  async handler({ app, auth, body, params, request }) {
    app.limiter.take('factorVerifyPerIp', request.ip);
    const factor = await loadFactor(app, auth!.user.id, params.id as string);
    requireVerifyEnabled(app, factor.factor_type);
    if (factor.factor_type === 'webauthn') return { body: await verifyWebAuthnFactor(app, auth!, factor, body, request) };
    return { body: await verifyTotp(app, auth!, factor, body, request) };
  },
});

/** Removes a factor and lowers the sessions it raised; the caller audits. */
async function removeFactor(app: App, userId: string, factorId: string): Promise<FactorRow> {
  const removed = await app.db.transaction(async (tx) => {
    const factor = await deleteFactor(tx, userId, factorId);
    if (factor) await downgradeFactorSessions(tx, factor.id, AMR_METHOD[factor.factor_type]);
    return factor;
  });
  if (!removed) throw new LatchkeyError('mfa_factor_not_found');
  return removed;
}

export const unenrollFactor = route({
  method: 'DELETE',
  path: '/factors/:id',
  auth: 'user',
  summary: 'Remove a factor → { id }. A verified factor only from an aal2 session; sessions it raised go back to aal1.',
  body: z.unknown(),
  async handler({ app, auth, params, request }) {
    const factor = await loadFactor(app, auth!.user.id, params.id as string);
    // From the session row, not the token's claim: a session lowered since cannot use an old aal2 token.
    // Otherwise a stolen password alone could remove the factor that protects the account.
    if (factor.status === 'verified' && auth!.session.aal !== 'aal2') {
      throw new LatchkeyError('insufficient_aal', 'AAL2 required to unenroll verified factor', { status: 422 });
    }
    await removeFactor(app, auth!.user.id, factor.id);
    await app.audit({
      type: 'mfa_factor_removed',
      actor: 'user',
      userId: auth!.user.id,
      sessionId: auth!.session.id,
      ip: request.ip,
      userAgent: request.userAgent,
      data: { factor_id: factor.id, factor_type: factor.factor_type, status: factor.status },
    });
    return { body: { id: factor.id } };
  },
});

export { removeFactor };

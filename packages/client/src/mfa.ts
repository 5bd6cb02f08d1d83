/**
 * `@latchkey/client/mfa`: second factors (GoTrue's /factors API), as functions taking the client.
 * Import the namespace to call them as supabase-js's `auth.mfa.*`; an app that does not import
 * this entry point ships none of it.
 *
 * @example
 * import * as mfa from '@latchkey/client/mfa';
 * const { data: factor } = await mfa.enroll(auth, { factorType: 'totp' });
 * await mfa.challengeAndVerify(auth, { factorId: factor.id, code });
 * const { data: level } = await mfa.getAuthenticatorAssuranceLevel(auth); // currentLevel: 'aal2'
 */
export { enroll, type EnrollParams, type EnrollResult, type TotpEnrollment, type WebAuthnEnrollment } from './mfa/enroll.js';
export { challenge, type Challenge, type ChallengeParams } from './mfa/challenge.js';
export { verify, type VerifyParams } from './mfa/verify.js';
export { challengeAndVerify, type ChallengeAndVerifyParams } from './mfa/challenge-and-verify.js';
export { verifyWithWebAuthn, type VerifyWithWebAuthnParams } from './mfa/verify-with-webauthn.js';
export { unenroll, type UnenrollParams } from './mfa/unenroll.js';
export { listFactors, type FactorList } from './mfa/list-factors.js';
export { getAuthenticatorAssuranceLevel, type AssuranceLevel } from './mfa/assurance-level.js';
export type { AmrEntry, AuthenticatorAssuranceLevel, Factor, FactorStatus, FactorType, VerifyResult } from './mfa/types.js';
export type { CeremonyOptions, CredentialsLike } from './webauthn/ceremony.js';

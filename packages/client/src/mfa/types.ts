/** The wire shapes of GoTrue's /factors API, as supabase-js names them. */
import type { Result, Session, User } from '../types.js';

export type FactorType = 'totp' | 'webauthn' | 'phone';
export type FactorStatus = 'verified' | 'unverified';
export type AuthenticatorAssuranceLevel = 'aal1' | 'aal2';

/** A second factor, as `GET /user` lists it under `factors` (only verified ones count for `aal2`). */
export interface Factor {
  id: string;
  friendly_name?: string;
  factor_type: FactorType;
  status: FactorStatus;
  created_at: string;
  updated_at: string;
  last_challenged_at?: string | null;
}

/** One entry of the access token's `amr` claim: how and when the session proved itself. */
export interface AmrEntry {
  /** `password`, `otp`, `passkey`, `totp`, `mfa/webauthn`, … */
  method: string;
  /** Seconds since the epoch. */
  timestamp: number;
}

/** What `verify` and `challengeAndVerify` answer: the same session, raised to `aal2`. */
export type VerifyResult = Result<{ user: User; session: Session }>;

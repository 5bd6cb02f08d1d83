/** The public data types of `@latchkey/client` (wire shapes are GoTrue's). */
import type { LatchkeyError } from './errors.js';

/** A user as the auth server returns it. */
export interface User {
  id: string;
  aud: string;
  role?: string;
  email?: string;
  phone?: string;
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  created_at?: string;
  updated_at?: string;
  [field: string]: unknown;
}

/** A signed-in session. */
export interface Session {
  /** The JWT to send to APIs as `Authorization: Bearer …`. */
  access_token: string;
  /** Single-use: only the client's refresher ever sends it, once. */
  refresh_token: string;
  token_type: 'bearer';
  /** Access-token lifetime in seconds, as the server granted it. */
  expires_in: number;
  /**
   * When the access token expires, in seconds since the epoch **on this device's clock**
   * (time of receipt + `expires_in`), so a device whose clock is off never refreshes in a loop
   * nor too late.
   */
  expires_at: number;
  user: User;
}

/** What `onAuthStateChange` reports. */
export type AuthChangeEvent =
  | 'INITIAL_SESSION'
  | 'SIGNED_IN'
  | 'SIGNED_OUT'
  | 'TOKEN_REFRESHED'
  | 'USER_UPDATED'
  | 'PASSWORD_RECOVERY'
  /** A second factor was verified (`mfa.verify`): the session is now `aal2`. */
  | 'MFA_CHALLENGE_VERIFIED';

/**
 * An `onAuthStateChange` callback. It is never awaited and never runs inside the client's lock,
 * so it may call back into the client freely.
 */
export type AuthStateListener = (event: AuthChangeEvent, session: Session | null) => void | Promise<void>;

type Nulls<T> = { [K in keyof T]: null };

/** Every client method answers `{ data, error }`: data when it worked, a coded error when not. */
export type Result<T> = { data: T; error: null } | { data: Nulls<T>; error: LatchkeyError };

export interface SignUpCredentials {
  email: string;
  password: string;
  /** Initial `user_metadata`. */
  data?: Record<string, unknown>;
  /**
   * Where the confirmation link leads, when the server confirms by email (it must be the site URL
   * or on the server's redirect allow list). Sent as `redirect_to`.
   */
  emailRedirectTo?: string;
}

export interface PasswordCredentials {
  email: string;
  password: string;
}

export interface UserAttributes {
  /**
   * A new address. The server confirms it by email before it replaces the old one (with secure
   * email change, both addresses confirm); until then the user answers with `new_email` set.
   */
  email?: string;
  password?: string;
  /** The code from `reauthenticate()`, when the server requires it to change the password. */
  nonce?: string;
  /** Merged into `user_metadata`; a `null` value removes the key. */
  data?: Record<string, unknown>;
}

export interface UpdateUserOptions {
  /** Where the email-change confirmation link leads (sent as `redirect_to`). */
  emailRedirectTo?: string;
}

/** How links sent by email bring the user back: `implicit` (tokens in the URL fragment) or `pkce` (a one-time `?code=`). */
export type FlowType = 'implicit' | 'pkce';

export interface SignOutOptions {
  /** `global` (default, as GoTrue): every session of the user; `local`: this one; `others`: all but this one. */
  scope?: 'global' | 'local' | 'others';
}

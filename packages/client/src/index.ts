/**
 * `@latchkey/client`: sign-in, session storage, and the one place that refreshes.
 *
 * The email flows (magic links and codes, recovery, PKCE, anonymous users) are functions taking
 * the client, so that an app that does not import them does not ship them.
 *
 * @example
 * import { createClient, signInWithOtp } from '@latchkey/client';
 * const auth = createClient({ url: 'https://auth.example.com/auth/v1' });
 * await signInWithOtp(auth, { email });
 */
export { createClient, DEFAULT_STORAGE_KEY, type ClientOptions, type LatchkeyClient } from './client.js';
export type { SignUpResult } from './flows/sign-up.js';
export type { SignInResult } from './flows/sign-in-with-password.js';
export type { SessionInfo } from './flows/sessions.js';
export { signInWithOtp, type EmailSentResult, type SignInWithOtpCredentials } from './flows/sign-in-with-otp.js';
export { verifyOtp, type EmailOtpType, type VerifyOtpParams, type VerifyOtpResult } from './flows/verify-otp.js';
export { resetPasswordForEmail, type ResetPasswordOptions } from './flows/reset-password-for-email.js';
export { resend, type ResendParams } from './flows/resend.js';
export { reauthenticate } from './flows/reauthenticate.js';
export { exchangeCodeForSession, type ExchangeResult, type RedirectType } from './flows/exchange-code-for-session.js';
export { signInAnonymously, type SignInAnonymouslyOptions } from './flows/sign-in-anonymously.js';
export { detectSessionInUrl, type UrlSessionResult } from './flows/detect-session-in-url.js';
export { signInWithOAuth, type OAuthResult, type SignInWithOAuthCredentials } from './flows/sign-in-with-oauth.js';
export { signInWithIdToken, type SignInWithIdTokenCredentials } from './flows/sign-in-with-id-token.js';
export { getUserIdentities, linkIdentity, unlinkIdentity, type LinkIdentityCredentials, type UserIdentity } from './flows/identities.js';
export { ERROR_CODES, LatchkeyError, isLatchkeyError, type LatchkeyErrorCode } from './errors.js';
export type {
  AuthChangeEvent,
  AuthStateListener,
  PasswordCredentials,
  Result,
  FlowType,
  Session,
  SignOutOptions,
  SignUpCredentials,
  UpdateUserOptions,
  User,
  UserAttributes,
} from './types.js';
export type { Clock } from './lib/clock.js';
export type { Lock } from './lock/types.js';
export { processLock } from './lock/process-lock.js';
export { webLocks, type WebLocksOptions } from './lock/web-locks.js';
export type { StorageAdapter } from './storage/types.js';
export { memoryStorage } from './storage/memory.js';
export { browserStorage } from './storage/browser.js';
export { cookieStorage, type CookieStorageOptions } from './storage/cookie.js';
export { chunkedStorage, type ChunkOptions } from './storage/chunks.js';
export { secureStoreStorage, type SecureStoreLike } from './storage/secure-store.js';
export { autoRefreshOnAppState, type AppStateLike } from './react-native.js';

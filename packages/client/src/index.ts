/**
 * `@latchkey/client`: sign-in, session storage, and the one place that refreshes.
 *
 * @example
 * import { createClient } from '@latchkey/client';
 * const auth = createClient({ url: 'https://auth.example.com/auth/v1' });
 */
export { createClient, DEFAULT_STORAGE_KEY, type ClientOptions, type LatchkeyClient } from './client.js';
export type { SignUpResult } from './flows/sign-up.js';
export type { SignInResult } from './flows/sign-in-with-password.js';
export type { SessionInfo } from './flows/sessions.js';
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

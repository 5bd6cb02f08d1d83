/**
 * `@latchkey/ssr/bff`: the backend-for-frontend token handler. The browser holds an opaque,
 * HttpOnly session cookie; the tokens stay in a server-side store, refreshed under a per-session
 * lock so that any number of requests across any number of processes make one refresh.
 *
 * @example
 * import { createTokenHandler, redisLock, redisStore } from '@latchkey/ssr/bff';
 * const bff = createTokenHandler({ authUrl, store: redisStore(redis), lock: redisLock(redis) });
 */
export { createTokenHandler, type TokenHandler } from './token-handler.js';
export type { TokenHandlerOptions } from './options.js';
export type { TokenCookieOptions } from './session-cookie.js';
export type { AccessTokenResult } from './access-token.js';
export type { RequestLike } from './request.js';
export type { SessionRecord, StoredRecord } from './record.js';
export type { SessionStore } from './stores/types.js';
export type { Lease, SessionLock } from './locks/types.js';
export { memoryStore, type MemoryStoreOptions } from './stores/memory.js';
export { encryptedStore, type EncryptedStoreOptions } from './stores/encrypted.js';
export { postgresStore, type PgQueryable, type PostgresStoreOptions } from './stores/postgres.js';
export { redisStore, type RedisLike, type RedisStoreOptions } from './stores/redis.js';
export { memoryLock, type MemoryLockOptions } from './locks/memory.js';
export { postgresLock, type PgConnectionLike, type PgPoolLike, type PostgresLockOptions } from './locks/postgres.js';
export { redisLock, type RedisLockOptions } from './locks/redis.js';
export { nodeHandler, sendWebResponse, toWebRequest } from './node.js';
export { ERROR_CODES, isSsrError, SsrError, SSR_ERROR_CODES, type SsrErrorCode } from '../errors.js';

/** Everything a request handler needs, built once at start (server.ts) and passed to every route. */
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import type { KeyRing } from './crypto/signing-keys.js';
import type { Database } from './db/database.js';
import type { RateLimiter } from './http/rate-limit.js';
import type { Logger } from './log.js';
import type { ApiKeys } from './settings.js';
import type { ReuseDetected, SessionPolicy } from './store/sessions.js';

export interface App {
  config: Config;
  db: Database;
  clock: Clock;
  log: Logger;
  keys: KeyRing;
  /** MAC key of refresh tokens, derived from the secret key. */
  refreshKey: Buffer;
  apiKeys: ApiKeys;
  /** The `iss` of access tokens. */
  issuer: string;
  limiter: RateLimiter;
  policy: SessionPolicy;
  onReuse(event: ReuseDetected): void;
}

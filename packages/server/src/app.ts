/** Everything a request handler needs, built once at start (server.ts) and passed to every route. */
import type { ProviderRegistry } from './providers/registry.js';
import type { Clock } from './clock.js';
import type { Config, SettingSource } from './config.js';
import type { KeyRing } from './crypto/signing-keys.js';
import type { Database } from './db/database.js';
import type { RateLimiter } from './http/rate-limit.js';
import type { Logger } from './log.js';
import type { Metrics } from './metrics.js';
import type { RedirectPolicy } from './http/redirect-to.js';
import type { MailQueue } from './mail/queue.js';
import type { Templates } from './mail/templates.js';
import type { AuditEvent } from './store/audit.js';
import type { ApiKeys } from './settings.js';
import type { PurgeResult, ReuseDetected, Rotations, SessionPolicy } from './store/sessions.js';

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
  metrics: Metrics;
  /** Key that encrypts stored signing keys, derived from the secret key. */
  keyEncryptionKey: Buffer;
  /** Key that seals stored TOTP secrets, derived from the secret key (crypto/totp.ts). */
  totpKey: Buffer;
  /** Re-reads signing-key states now (also done periodically: another process may rotate). */
  reloadKeys(): Promise<void>;
  /** Records a security event; a failure to record is logged, never fails the user's request. */
  audit(event: Omit<AuditEvent, 'at'> & { at?: Date }): Promise<void>;
  policy: SessionPolicy;
  /** Batches the compare-and-sets of concurrent refreshes (store/sessions.ts). */
  rotations: Rotations;
  onReuse(event: ReuseDetected): void;
  /** Mail: the dev outbox or the SMTP delivery queue (mail/queue.ts). */
  mail: MailQueue;
  templates: Templates;
  /** Where `redirect_to` may send a user (LATCHKEY_SITE_URL, LATCHKEY_URI_ALLOW_LIST). */
  redirects: RedirectPolicy;
  /** MAC key of stored one-time codes, derived from the secret key. */
  codeKey: Buffer;
  /** The auth API's public URL that email links point at (LATCHKEY_API_EXTERNAL_URL, else the issuer). */
  externalUrl(): string;
  /** Deletes anonymous users older than LATCHKEY_ANONYMOUS_RETENTION_DAYS (also run hourly); returns how many. */
  purgeAnonymousUsers(): Promise<number>;
  /**
   * Deletes sessions dead for longer than LATCHKEY_SESSION_RETENTION (also run hourly), in
   * batches of `batchSize` rows (default 1,000). Undefined when another process was already at
   * it (one at a time per database), or when the retention is 0 (never delete).
   */
  purgeDeadSessions(options?: { batchSize?: number }): Promise<PurgeResult | undefined>;
  /** The enabled identity providers' clients, by name (LATCHKEY_EXTERNAL_<NAME>_*). */
  providers: ProviderRegistry;
  /** MAC key of provider-flow states, derived from the secret key. */
  oauthStateKey: Buffer;
  /** MAC key of the console's CSRF tokens, derived from the secret key (crypto/console-token.ts). */
  consoleCsrfKey: Buffer;
  /** Where each setting's value came from, for the console's Settings page. */
  configSources: Partial<Record<keyof Config, SettingSource>>;
}

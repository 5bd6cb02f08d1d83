/**
 * Starting and stopping a Latchkey server: open the database, migrate, load keys, listen; on
 * close, drain in-flight requests before the database goes away.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { App } from './app.js';
import { systemClock, type Clock } from './clock.js';
import { defaultConfig, type Config, type SettingSource } from './config.js';
import { deriveKey } from './crypto/derive.js';
import { loadKeyRing, reloadKeyRing } from './crypto/signing-keys.js';
import { embeddedDirectory, openDatabase, type Database } from './db/database.js';
import { migrate } from './db/migrate.js';
import { ensureSearchIndexes, type SearchIndexState } from './db/search-indexes.js';
import { createRequestHandler } from './http/handler.js';
import { providerRegistry } from './providers/registry.js';
import { DEFAULT_RULES, RateLimiter } from './http/rate-limit.js';
import { createLogger, type Logger } from './log.js';
import { Metrics } from './metrics.js';
import { redirectPolicy } from './http/redirect-to.js';
import { outboxTransport } from './mail/outbox.js';
import { MailQueue } from './mail/queue.js';
import { loadTemplates } from './mail/templates.js';
import { purgeAudit, recordAudit } from './store/audit.js';
import { purgeConsoleSessions } from './store/console-sessions.js';
import { viaConsole } from './console/via-console.js';
import { purgeFlowStates } from './store/flow-states.js';
import { purgeMail } from './store/mail.js';
import { purgeExpiredTokens } from './store/one-time-tokens.js';
import { purgeSendLimits } from './store/send-limits.js';
import { purgeAnonymousUsers } from './store/user-email.js';
import { purgeDeadSessions, sessionRotations } from './store/sessions.js';
import { ROUTES } from './routes/index.js';
import { databaseApiKeys, embeddedApiKeys, type ApiKeys } from './settings.js';

/** The longest a request may take to arrive, headers and body (Node answers 408 past it). */
const REQUEST_TIMEOUT_MS = 30_000;

/** Days the dev outbox (and the record of delivered mail) keeps a message. */
const MAIL_RETENTION_DAYS = 7;

/**
 * Rows per statement of the dead-session purge: small enough that a batch holds its row locks
 * and its share of the CPU for milliseconds (a refresh never waits behind it long), large enough
 * that millions of rows take minutes, not hours. BENCHMARKS.md (issue #17) has the measurement.
 */
const SESSION_PURGE_BATCH = 1000;

/** How often a process re-reads signing-key states (another process may have rotated). */
const KEY_RELOAD_MS = 10_000;

export interface StartOptions {
  clock?: Clock;
  logger?: Logger;
  /** Database schema for Latchkey's tables (tests isolate themselves with one each). */
  schema?: string;
  /** Where each setting came from (the CLI knows: config.ts resolveConfigWithSources); default: `default` where the value is the default, else `program`. */
  configSources?: Partial<Record<keyof Config, SettingSource>>;
}

/** Sources for a configuration built in code: a value equal to its default is the default. */
function programSources(config: Config): Partial<Record<keyof Config, SettingSource>> {
  const defaults = defaultConfig();
  const sources: Partial<Record<keyof Config, SettingSource>> = {};
  for (const key of Object.keys(defaults) as (keyof Config)[])
    sources[key] = JSON.stringify(config[key]) === JSON.stringify(defaults[key]) ? 'default' : 'program';
  return sources;
}

export interface RunningServer {
  /** e.g. `http://127.0.0.1:9999` */
  url: string;
  port: number;
  app: App;
  /** The admin search's trigram indexes, built in the background after start (db/search-indexes.ts). */
  searchIndexes: Promise<SearchIndexState>;
  /** Stops accepting connections, drains in-flight requests (up to `graceMs`), closes the database. */
  close(graceMs?: number): Promise<void>;
}

/** Opens the database, migrates it and reads (or generates) the keys; used by serve, migrate and api-keys. */
export async function prepareDatabase(
  config: Config,
  options: { schema?: string; now?: Date } = {},
): Promise<{ db: Database; apiKeys: ApiKeys }> {
  const db = await openDatabase({
    database: config.database,
    poolSize: config.dbPoolSize,
    schema: options.schema ?? config.dbSchema,
    timeoutMs: config.dbTimeoutMs,
    synchronousCommit: config.dbSynchronousCommit,
  });
  try {
    await migrate(db);
    const directory = embeddedDirectory(config.database);
    const apiKeys = directory
      ? embeddedApiKeys(directory, config.secretKey)
      : await databaseApiKeys(db, config.secretKey, options.now ?? new Date());
    return { db, apiKeys };
  } catch (error) {
    await db.close().catch(() => {});
    throw error;
  }
}

export async function startServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const clock = options.clock ?? systemClock;
  const log = options.logger ?? createLogger(config.logLevel);
  const { db, apiKeys } = await prepareDatabase(config, { schema: options.schema, now: new Date(clock()) });

  let server: Server | undefined;
  let mail: MailQueue | undefined;
  try {
    // Refused before anything listens: a template that cannot render, an allow-list glob that
    // does not compile, SMTP without a From address.
    const templates = loadTemplates(config.mailerTemplatesDir);
    const redirects = redirectPolicy(config.siteUrl, config.uriAllowList);
    // nodemailer is loaded only when SMTP is configured: ~10 MiB resident otherwise spent on a
    // transport the dev outbox replaces (issue #17).
    const transport = config.smtpHost ? (await import('./mail/smtp.js')).smtpTransport(config) : outboxTransport(log);
    const keyEncryptionKey = deriveKey(apiKeys.secretKey, 'signing-key-encryption');
    const keys = await loadKeyRing(db, keyEncryptionKey, new Date(clock()));
    const metrics = new Metrics(clock);
    mail = new MailQueue({
      db,
      transport,
      clock,
      log,
      sealKey: deriveKey(apiKeys.secretKey, 'mail-encryption'),
      giveUpAfterSeconds: config.mailerOtpExp,
      onDelivered: () => metrics.mailDelivered.inc(),
      onFailure: (_error, outcome) => metrics.mailFailures.inc({ outcome }),
    });
    const mailQueue = mail;
    let draining = false;
    const app: App = {
      config,
      db,
      clock,
      log,
      keys,
      refreshKey: deriveKey(apiKeys.secretKey, 'refresh-token-mac'),
      apiKeys,
      issuer: config.issuer ?? '',
      limiter: new RateLimiter(
        clock,
        config.rateLimits,
        {
          ...DEFAULT_RULES,
          factorChallengePerIp: { capacity: config.mfaRateLimitChallengeAndVerify, windowSeconds: 60, per: 'ip' },
          factorVerifyPerIp: { capacity: config.mfaRateLimitChallengeAndVerify, windowSeconds: 60, per: 'ip' },
        },
        (rule) => metrics.rateLimited.inc({ rule }),
      ),
      metrics,
      keyEncryptionKey,
      totpKey: deriveKey(apiKeys.secretKey, 'totp-secret-encryption'),
      async reloadKeys() {
        app.keys = await reloadKeyRing(db, keyEncryptionKey, app.keys);
      },
      async audit(event) {
        try {
          // An admin call the console made says so (console/via-console.ts).
          const data = viaConsole.getStore() ? { ...event.data, via: 'console' } : event.data;
          await recordAudit(db, { ...event, data, at: event.at ?? new Date(clock()) });
        } catch (error) {
          log.error('audit entry not recorded', { type: event.type, error: (error as Error).message });
        }
      },
      policy: {
        reuseIntervalSeconds: config.refreshReuseInterval,
        reuseRevokes: config.reuseRevokes,
        timeboxSeconds: config.sessionTimebox,
        inactivityTimeoutSeconds: config.sessionInactivityTimeout,
      },
      // One rotation statement at a time per process (group commit), up to 4 when statements
      // stall: measured best at 16 and 64 clients (BENCHMARKS.md). PGlite has one connection.
      rotations: sessionRotations(db, {
        maxInFlight: db.kind === 'pglite' ? 1 : Math.min(4, Math.max(1, Math.floor(config.dbPoolSize / 4))),
        clock,
        stallMs: 25,
        onBatch(size) {
          metrics.rotationStatements.inc();
          metrics.rotationCompareAndSets.inc({}, size);
        },
        onSplit(error, size) {
          metrics.rotationBatchSplits.inc();
          // The database's code and message only. A message may quote a value of the statement,
          // and those are session ids, counters, times, user agents and IPs: never a token.
          const { code, message } = error as { code?: string; message?: string };
          log.warn('rotation statement failed; retrying its refreshes one by one', { size, code, error: message });
        },
      }),
      onReuse(event) {
        metrics.reuse.inc();
        void app.audit({
          type: 'token_reuse_detected',
          actor: 'system',
          userId: event.userId,
          sessionId: event.sessionId,
          ip: event.ip,
          userAgent: event.userAgent,
          data: { presented: event.presentedCounter, active: event.activeCounter, revoked: config.reuseRevokes },
        });
        // Ids only: which session, whose, from where. Never a token.
        log.warn('refresh token reuse detected; session revoked', {
          session_id: event.sessionId,
          user_id: event.userId,
          presented: event.presentedCounter,
          active: event.activeCounter,
          ip: event.ip,
          user_agent: event.userAgent,
          revoked: config.reuseRevokes,
        });
      },
      mail: mailQueue,
      templates,
      redirects,
      codeKey: deriveKey(apiKeys.secretKey, 'one-time-code-mac'),
      externalUrl: () => config.apiExternalUrl ?? app.issuer,
      providers: providerRegistry(config.externalProviders),
      oauthStateKey: deriveKey(apiKeys.secretKey, 'oauth-state-mac'),
      consoleCsrfKey: deriveKey(apiKeys.secretKey, 'console-csrf-mac'),
      configSources: options.configSources ?? programSources(config),
      async purgeAnonymousUsers() {
        if (config.anonymousRetentionDays === 0) return 0;
        const count = await purgeAnonymousUsers(db, new Date(clock() - config.anonymousRetentionDays * 86_400_000));
        if (count > 0) {
          await app.audit({
            type: 'anonymous_users_purged',
            actor: 'system',
            data: { count, older_than_days: config.anonymousRetentionDays },
          });
          log.info('anonymous users deleted after the retention period', { count, days: config.anonymousRetentionDays });
        }
        return count;
      },
      async purgeDeadSessions(options = {}) {
        if (config.sessionRetention === 0) return undefined;
        const started = clock();
        const retention = {
          retentionSeconds: config.sessionRetention,
          timeboxSeconds: config.sessionTimebox,
          inactivityTimeoutSeconds: config.sessionInactivityTimeout,
        };
        // One process at a time per database: the others find the lock taken and skip this hour.
        const ran = await db.ifUnlocked('session-purge', (conn) =>
          purgeDeadSessions(conn, retention, new Date(started), { batchSize: options.batchSize ?? SESSION_PURGE_BATCH }),
        );
        if (!ran) return undefined;
        const { deleted, statements } = ran.value;
        if (deleted > 0) {
          metrics.sessionsDeleted.inc({}, deleted);
          // The count only: the sessions' own history (sign-in, sign-out, revocation) is already
          // in the audit trail, which outlives them.
          await app.audit({
            type: 'sessions_purged',
            actor: 'system',
            data: { count: deleted, statements, retention_seconds: config.sessionRetention },
          });
          log.info('dead sessions deleted after the retention period', {
            count: deleted,
            statements,
            retention_seconds: config.sessionRetention,
          });
        }
        return ran.value;
      },
    };
    const handle = createRequestHandler(app, { routes: ROUTES, draining: () => draining, requestTimeoutMs: REQUEST_TIMEOUT_MS });
    const httpServer = createServer((req, res) => void handle(req, res));
    server = httpServer;
    // A client that trickles its request must not hold a connection forever. (Node enforces
    // requestTimeout only while headersTimeout is not longer.)
    httpServer.requestTimeout = REQUEST_TIMEOUT_MS;
    httpServer.headersTimeout = 15_000;
    httpServer.keepAliveTimeout = 65_000;
    await new Promise<void>((resolve, reject) => {
      httpServer.once('error', reject);
      httpServer.listen(config.port, config.host, () => resolve());
    });
    // Another process may rotate signing keys: pick up state changes every few seconds. And purge
    // audit entries past their retention. Neither failure stops serving (the old ring stays).
    const housekeeping = setInterval(() => {
      app.reloadKeys().catch((error: Error) => log.warn('signing keys not reloaded', { error: error.message }));
    }, KEY_RELOAD_MS);
    housekeeping.unref();
    const purge = async () => {
      const now = clock();
      const days = (n: number) => new Date(now - n * 86_400_000);
      const warn = (what: string) => (error: Error) => log.warn(`${what} purge failed`, { error: error.message });
      if (config.auditRetentionDays > 0) await purgeAudit(db, days(config.auditRetentionDays)).catch(warn('audit'));
      await purgeMail(db, days(MAIL_RETENTION_DAYS)).catch(warn('mail'));
      await purgeExpiredTokens(db, new Date(now)).catch(warn('one-time token'));
      await purgeFlowStates(db, new Date(now - Math.max(config.mailerOtpExp, 3600) * 1000)).catch(warn('flow state'));
      await purgeSendLimits(db, new Date(now - Math.max(86_400, config.rateLimitEmailSent.seconds, config.smtpMaxFrequency) * 1000)).catch(
        warn('send limit'),
      );
      await app.purgeAnonymousUsers().catch(warn('anonymous user'));
      await purgeConsoleSessions(db, new Date(now)).catch(warn('console session'));
      await app.purgeDeadSessions().catch(warn('dead session'));
    };
    void purge();
    const purgeTimer = setInterval(() => void purge(), 3_600_000);
    purgeTimer.unref();
    mailQueue.start();
    const { port } = httpServer.address() as AddressInfo;
    const host = config.host.includes(':') ? `[${config.host}]` : config.host;
    const url = `http://${host}:${port}`;
    app.issuer = config.issuer ?? `${url}/auth/v1`;

    // In the background: a large users table takes a while, and the server serves meanwhile.
    const searchIndexes = ensureSearchIndexes(db).then(
      (state) => {
        if (state === 'unavailable')
          log.info(
            'admin search by email or name reads every user: install the pg_trgm extension (or grant CREATE on the database) and restart to index it',
          );
        return state;
      },
      (error: Error) => {
        log.warn('admin search indexes not built', { error: error.message });
        return 'unavailable' as const;
      },
    );

    let closing: Promise<void> | undefined;
    return {
      url,
      port,
      app,
      searchIndexes,
      close(graceMs = 10_000) {
        closing ??= (async () => {
          draining = true;
          clearInterval(housekeeping);
          clearInterval(purgeTimer);
          const closed = new Promise<void>((resolve) => httpServer.close(() => resolve()));
          httpServer.closeIdleConnections();
          const timer = setTimeout(() => httpServer.closeAllConnections(), graceMs);
          await closed;
          clearTimeout(timer);
          await mailQueue.stop();
          // Its connection holds the build's lock: the pool can only end once it is back.
          await searchIndexes;
          await db.close();
        })();
        return closing;
      },
    };
  } catch (error) {
    server?.close();
    await mail?.stop().catch(() => {});
    await db.close().catch(() => {});
    throw error;
  }
}

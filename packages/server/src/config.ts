/**
 * Every setting of `latchkey serve`, declared once: the CLI flags, their `LATCHKEY_*` environment
 * twins, `latchkey serve --help` and the README's table all come from `SETTINGS`.
 */

export interface Config {
  port: number;
  host: string;
  /** A directory (embedded PGlite there), `memory` (ephemeral PGlite) or a `postgres://` URL. */
  database: string;
  /** Access-token lifetime, seconds. */
  jwtExp: number;
  /** How long the parent of the active refresh token still gets the same successor, seconds. */
  refreshReuseInterval: number;
  /** What a detected refresh-token reuse revokes. */
  reuseRevokes: 'session' | 'user';
  /** Maximum session age, seconds; 0 = no limit. */
  sessionTimebox: number;
  /** Maximum time between refreshes, seconds; 0 = no limit. */
  sessionInactivityTimeout: number;
  /** Seconds a dead session (revoked, signed out, past its timebox or inactivity timeout) is kept after it ended; 0 = never deleted. */
  sessionRetention: number;
  /** Admin secret key; generated and stored on first start when unset. */
  secretKey: string | undefined;
  rateLimits: boolean;
  requireApiKey: boolean;
  /** The `iss` claim; default: the server's URL + `/auth/v1`. */
  issuer: string | undefined;
  /** Trust `X-Forwarded-For` for the client IP (only behind a proxy that sets it). */
  trustProxy: boolean;
  /** Postgres connection pool size per process. */
  dbPoolSize: number;
  /** Postgres schema holding Latchkey's tables. */
  dbSchema: string;
  /** Seconds a standby signing key must be published before it may sign (> JWKS cache max-age). */
  keyPublishDelay: number;
  /** What a password change ends: the user's `others` sessions, or `none`. */
  passwordChangeRevokes: 'others' | 'none';
  /** Days audit entries are kept; 0 keeps them forever. */
  auditRetentionDays: number;
  /** Log level: `info` logs every request, `warn` only problems, `silent` nothing. */
  logLevel: 'info' | 'warn' | 'silent';
  /** Longest wait on the database, ms: for a pooled connection, and per statement; then 503. */
  dbTimeoutMs: number;
  /** Postgres `synchronous_commit` for Latchkey's connections (`off` trades the last commits of a crash for throughput). */
  dbSynchronousCommit: boolean;
  /** Shortest password accepted (GoTrue `GOTRUE_PASSWORD_MIN_LENGTH`). */
  passwordMinLength: number;
  /** Character sets a password must draw from, `:`-separated (GoTrue `GOTRUE_PASSWORD_REQUIRED_CHARACTERS`). */
  passwordRequiredCharacters: string | undefined;
  /** Refuse new sign-ups (GoTrue `GOTRUE_DISABLE_SIGNUP`); admins can still create users. */
  disableSignup: boolean;
  /** TOTP factors may be enrolled (GoTrue `GOTRUE_MFA_TOTP_ENROLL_ENABLED`). */
  mfaTotpEnrollEnabled: boolean;
  /** TOTP factors may be challenged and verified (GoTrue `GOTRUE_MFA_TOTP_VERIFY_ENABLED`). */
  mfaTotpVerifyEnabled: boolean;
  /** WebAuthn factors may be enrolled (GoTrue `GOTRUE_MFA_WEB_AUTHN_ENROLL_ENABLED`). */
  mfaWebAuthnEnrollEnabled: boolean;
  /** WebAuthn factors may be challenged and verified (GoTrue `GOTRUE_MFA_WEB_AUTHN_VERIFY_ENABLED`). */
  mfaWebAuthnVerifyEnabled: boolean;
  /** Factors a user may have, verified or not (GoTrue `GOTRUE_MFA_MAX_ENROLLED_FACTORS`). */
  mfaMaxEnrolledFactors: number;
  /** Verified factors a user may have (GoTrue `GOTRUE_MFA_MAX_VERIFIED_FACTORS`). */
  mfaMaxVerifiedFactors: number;
  /** Seconds an MFA challenge can be verified (GoTrue `GOTRUE_MFA_CHALLENGE_EXPIRY_DURATION`). */
  mfaChallengeExpiryDuration: number;
  /** Seconds an unverified factor is kept (GoTrue `GOTRUE_MFA_FACTOR_EXPIRY_DURATION`). */
  mfaFactorExpiryDuration: number;
  /** Challenges and verifications per minute per IP (GoTrue `GOTRUE_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY`). */
  mfaRateLimitChallengeAndVerify: number;
  /** Passkey sign-in and registration (GoTrue `GOTRUE_PASSKEY_ENABLED`). */
  passkeyEnabled: boolean;
  /** Passkeys a user may register (GoTrue `GOTRUE_PASSKEY_MAX_PASSKEYS_PER_USER`). */
  passkeyMaxPasskeysPerUser: number;
  /** WebAuthn relying-party id: the site's domain (GoTrue `GOTRUE_WEBAUTHN_RP_ID`). */
  webauthnRpId: string;
  /** Origins WebAuthn ceremonies may come from (GoTrue `GOTRUE_WEBAUTHN_RP_ORIGINS`); see webauthnOrigins(). */
  webauthnRpOrigins: string[] | undefined;
  /** The site's name as authenticators show it (GoTrue `GOTRUE_WEBAUTHN_RP_DISPLAY_NAME`). */
  webauthnRpDisplayName: string;
  /** Seconds a passkey challenge can be answered (GoTrue `GOTRUE_WEBAUTHN_CHALLENGE_EXPIRY_DURATION`). */
  webauthnChallengeExpiryDuration: number;
  /** The app's URL: where email links land when no allowed `redirect_to` is given (GoTrue `GOTRUE_SITE_URL`). */
  siteUrl: string;
  /** Further URLs `redirect_to` may name: exact URLs and GoTrue-style globs (GoTrue `GOTRUE_URI_ALLOW_LIST`). */
  uriAllowList: string[];
  /** The auth API's public URL, which email links point at (GoTrue `API_EXTERNAL_URL`); default: the issuer. */
  apiExternalUrl: string | undefined;
  /** Confirm addresses at sign-up without mail (GoTrue `GOTRUE_MAILER_AUTOCONFIRM`). */
  mailerAutoconfirm: boolean;
  /** Lifetime of email links and codes, seconds (GoTrue `GOTRUE_MAILER_OTP_EXP`). */
  mailerOtpExp: number;
  /** Digits in an emailed code, 6 to 10 (GoTrue `GOTRUE_MAILER_OTP_LENGTH`). */
  mailerOtpLength: number;
  /** Both the old and the new address confirm an email change (GoTrue `GOTRUE_MAILER_SECURE_EMAIL_CHANGE_ENABLED`). */
  mailerSecureEmailChangeEnabled: boolean;
  /** Directory of template files overriding the built-in emails. */
  mailerTemplatesDir: string | undefined;
  /** Seconds before another email of one kind may go to one address (GoTrue `GOTRUE_SMTP_MAX_FREQUENCY`). */
  smtpMaxFrequency: number;
  /** Emails sent per window, all addresses together (GoTrue `GOTRUE_RATE_LIMIT_EMAIL_SENT`). */
  rateLimitEmailSent: Rate;
  /** SMTP server; unset, mail goes to the dev outbox in the database. */
  smtpHost: string | undefined;
  smtpPort: number;
  smtpUser: string | undefined;
  smtpPass: string | undefined;
  /** The From address of every email. */
  smtpAdminEmail: string | undefined;
  /** The From display name of every email. */
  smtpSenderName: string | undefined;
  /** A password change needs a reauthentication nonce when the session is over 24 hours old (GoTrue `GOTRUE_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION`). */
  securityUpdatePasswordRequireReauthentication: boolean;
  /** Anonymous sign-ins (GoTrue `GOTRUE_EXTERNAL_ANONYMOUS_USERS_ENABLED`). */
  externalAnonymousUsersEnabled: boolean;
  /** Days after which anonymous users that never added an email are deleted (0 = never). */
  anonymousRetentionDays: number;
  /** Sign-in providers, from the per-provider `LATCHKEY_EXTERNAL_<NAME>_*` variables (providers/settings.ts). */
  externalProviders: Record<string, ExternalProviderConfig>;
  /** Signed-in users may link further identities (GoTrue `GOTRUE_SECURITY_MANUAL_LINKING_ENABLED`). */
  securityManualLinkingEnabled: boolean;
  /** Serve the admin console at /console (signed in with the secret key). */
  consoleEnabled: boolean;
}

import { parseExternalProviders, type ExternalProviderConfig } from './providers/settings.js';

/** A number of events per window of seconds. */
export interface Rate {
  events: number;
  seconds: number;
}

type Parser<T> = (raw: string, name: string) => T;

interface Setting<K extends keyof Config> {
  key: K;
  /** CLI flag without dashes; absent for settings that are environment-only. */
  flag?: string;
  env: string;
  default: Config[K];
  /** How the default is shown in help when it is not a literal value. */
  defaultText?: string;
  description: string;
  parse: Parser<Config[K]>;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const seconds: Parser<number> = (raw, name) => {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value)) {
    throw new ConfigError(`${name} must be a whole number of seconds, got "${raw}"`);
  }
  return value;
};

const port: Parser<number> = (raw, name) => {
  const value = seconds(raw, name);
  if (value > 65535) throw new ConfigError(`${name} must be a port number (0-65535), got "${raw}"`);
  return value;
};

const positive: Parser<number> = (raw, name) => {
  const value = seconds(raw, name);
  if (value < 1) throw new ConfigError(`${name} must be at least 1, got "${raw}"`);
  return value;
};

const milliseconds: Parser<number> = (raw, name) => {
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < 100) {
    throw new ConfigError(`${name} must be a whole number of milliseconds, at least 100, got "${raw}"`);
  }
  return value;
};

const text: Parser<string> = (raw, name) => {
  if (raw.trim() === '') throw new ConfigError(`${name} must not be empty`);
  return raw.trim();
};

const optionalText: Parser<string | undefined> = (raw) => (raw.trim() === '' ? undefined : raw.trim());

const bool: Parser<boolean> = (raw, name) => {
  const value = raw.trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(value)) return true;
  if (['false', '0', 'no', 'off'].includes(value)) return false;
  throw new ConfigError(`${name} must be true or false, got "${raw}"`);
};

function oneOf<T extends string>(...values: T[]): Parser<T> {
  return (raw, name) => {
    const value = raw.trim().toLowerCase();
    if ((values as string[]).includes(value)) return value as T;
    throw new ConfigError(`${name} must be one of ${values.join(', ')}, got "${raw}"`);
  };
}

/** A comma-separated list; empty means unset. */
const optionalList: Parser<string[] | undefined> = (raw) => {
  const items = raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
  return items.length === 0 ? undefined : items;
};

/** Whole seconds ("60"), or a Go duration as GoTrue's settings take it ("60s", "1m30s", "1h"). */
const duration: Parser<number> = (raw, name) => {
  const value = raw.trim();
  if (/^\d+$/.test(value)) return seconds(value, name);
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 0.001 };
  if (!/^(\d+(\.\d+)?(h|m|s|ms))+$/.test(value)) {
    throw new ConfigError(`${name} must be whole seconds or a duration like "60s" or "1m", got "${raw}"`);
  }
  let total = 0;
  for (const [, amount, , unit] of value.matchAll(/(\d+(?:\.\d+)?)()(h|ms|m|s)/g))
    total += Number(amount) * (units[unit as string] as number);
  return Math.round(total);
};

/** GoTrue's rate syntax: "30" (30 per hour) or "10/1m" (10 per minute). */
const rate: Parser<Rate> = (raw, name) => {
  const value = raw.trim();
  const [events, window] = value.split('/');
  if (events === undefined || !/^\d+$/.test(events) || value.split('/').length > 2) {
    throw new ConfigError(`${name} must be a number of events per hour ("30") or per a duration ("10/1m"), got "${raw}"`);
  }
  const seconds = window === undefined ? 3600 : duration(window, name);
  if (seconds < 1) throw new ConfigError(`${name}: the window must be at least a second, got "${raw}"`);
  return { events: Number(events), seconds };
};

function between(min: number, max: number): Parser<number> {
  return (raw, name) => {
    const value = seconds(raw, name);
    if (value < min || value > max) throw new ConfigError(`${name} must be from ${min} to ${max}, got "${raw}"`);
    return value;
  };
}

const url: Parser<string> = (raw, name) => {
  const value = raw.trim();
  let parsed: URL;
  try {
    parsed = new URL(value);
  } catch {
    throw new ConfigError(`${name} must be an absolute URL, got "${raw}"`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') throw new ConfigError(`${name} must be an http(s) URL, got "${raw}"`);
  return value.replace(/\/+$/, '');
};

const optionalUrl: Parser<string | undefined> = (raw, name) => (raw.trim() === '' ? undefined : url(raw, name));

/** A comma-separated list (GoTrue's list settings), blanks dropped. */
const list: Parser<string[]> = (raw) =>
  raw
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');

function setting<K extends keyof Config>(s: Setting<K>): Setting<K> {
  return s;
}

/** The declaration every other view of the configuration is derived from. */
export const SETTINGS = [
  setting({
    key: 'port',
    flag: 'port',
    env: 'LATCHKEY_PORT',
    default: 9999,
    description: 'TCP port to listen on (0 picks a free one).',
    parse: port,
  }),
  setting({ key: 'host', flag: 'host', env: 'LATCHKEY_HOST', default: '127.0.0.1', description: 'Interface to listen on.', parse: text }),
  setting({
    key: 'database',
    flag: 'database',
    env: 'LATCHKEY_DATABASE_URL',
    default: './latchkey-data',
    description:
      'A directory (embedded PGlite there), "memory" (ephemeral PGlite) or a postgres:// URL; several hosts (postgres://h1:5432,h2:5432/db?target_session_attrs=read-write) follow a failover.',
    parse: text,
  }),
  setting({ key: 'jwtExp', env: 'LATCHKEY_JWT_EXP', default: 3600, description: 'Access-token lifetime in seconds.', parse: positive }),
  setting({
    key: 'refreshReuseInterval',
    env: 'LATCHKEY_REFRESH_REUSE_INTERVAL',
    default: 10,
    description:
      'Seconds after a rotation commits during which the parent of the active refresh token gets the same successor back (0: strict single use, as GoTrue by default).',
    parse: seconds,
  }),
  setting({
    key: 'reuseRevokes',
    env: 'LATCHKEY_REUSE_REVOKES',
    default: 'session',
    description: 'What refresh-token reuse revokes: "session" or every session of the "user".',
    parse: oneOf('session', 'user'),
  }),
  setting({
    key: 'sessionTimebox',
    env: 'LATCHKEY_SESSION_TIMEBOX',
    default: 0,
    description: 'Maximum session age in seconds (0 = off).',
    parse: seconds,
  }),
  setting({
    key: 'sessionInactivityTimeout',
    env: 'LATCHKEY_SESSION_INACTIVITY_TIMEOUT',
    default: 0,
    description: 'A session not refreshed for this many seconds expires (0 = off).',
    parse: seconds,
  }),
  setting({
    key: 'sessionRetention',
    env: 'LATCHKEY_SESSION_RETENTION',
    default: 604_800,
    description:
      'Seconds a dead session (revoked, signed out, past its timebox or inactivity timeout) is kept after it ended; then an hourly purge deletes it (0 = never). The audit trail keeps the history.',
    parse: seconds,
  }),
  setting({
    key: 'secretKey',
    env: 'LATCHKEY_SECRET_KEY',
    default: undefined,
    defaultText: 'generated and stored on first start',
    description: 'Admin secret key; also the root of refresh-token MACs and signing-key encryption.',
    parse: optionalText,
  }),
  setting({
    key: 'rateLimits',
    env: 'LATCHKEY_RATE_LIMITS',
    default: true,
    defaultText: 'on',
    description: '"off" disables every rate limit (benchmarks only).',
    parse: bool,
  }),
  setting({
    key: 'requireApiKey',
    env: 'LATCHKEY_REQUIRE_API_KEY',
    default: false,
    description:
      'Require a matching publishable or secret key in the apikey header (401 otherwise). Exempt: /health, /.well-known/jwks.json, and the browser navigations /authorize and /callback.',
    parse: bool,
  }),
  setting({
    key: 'issuer',
    env: 'LATCHKEY_ISSUER',
    default: undefined,
    defaultText: "the server's URL + /auth/v1",
    description: 'The iss claim of access tokens.',
    parse: optionalText,
  }),
  setting({
    key: 'trustProxy',
    env: 'LATCHKEY_TRUST_PROXY',
    default: false,
    description: 'Take the client IP from X-Forwarded-For (only behind a proxy that sets it).',
    parse: bool,
  }),
  setting({
    key: 'dbPoolSize',
    env: 'LATCHKEY_DB_POOL_SIZE',
    default: 16,
    description: 'Postgres connections per process.',
    parse: positive,
  }),
  setting({
    key: 'keyPublishDelay',
    env: 'LATCHKEY_KEY_PUBLISH_DELAY',
    default: 900,
    description: 'Seconds a standby signing key is published before "keys rotate" lets it sign (longer than the JWKS max-age of 600).',
    parse: seconds,
  }),
  setting({
    key: 'passwordChangeRevokes',
    env: 'LATCHKEY_PASSWORD_CHANGE_REVOKES',
    default: 'others',
    description: 'What a password change ends: the user\'s "others" sessions, or "none".',
    parse: oneOf('others', 'none'),
  }),
  setting({
    key: 'auditRetentionDays',
    env: 'LATCHKEY_AUDIT_RETENTION_DAYS',
    default: 90,
    description: 'Days audit entries are kept (0 = forever).',
    parse: seconds,
  }),
  setting({
    key: 'dbSchema',
    env: 'LATCHKEY_DB_SCHEMA',
    default: 'latchkey',
    description: "Schema that holds Latchkey's tables (share one database with your app).",
    parse: text,
  }),
  setting({
    key: 'logLevel',
    env: 'LATCHKEY_LOG_LEVEL',
    default: 'info',
    description: 'info (every request), warn, or silent.',
    parse: oneOf('info', 'warn', 'silent'),
  }),
  setting({
    key: 'dbTimeoutMs',
    env: 'LATCHKEY_DB_TIMEOUT_MS',
    default: 2000,
    description:
      "Longest a request waits on the database, in milliseconds: for a pooled connection, and for one statement (Postgres statement_timeout); past it the request answers 503 with Retry-After. Keep it under clients' request timeout (5000 in @latchkey/client).",
    parse: milliseconds,
  }),
  setting({
    key: 'dbSynchronousCommit',
    env: 'LATCHKEY_DB_SYNCHRONOUS_COMMIT',
    default: true,
    defaultText: 'on',
    description:
      'Postgres synchronous_commit for Latchkey\'s connections. "off" answers before the commit reaches disk: a crash can lose the last rotations, which the refresh contract survives (tokens ahead of the database are accepted).',
    parse: bool,
  }),
  setting({
    key: 'passwordMinLength',
    env: 'LATCHKEY_PASSWORD_MIN_LENGTH',
    default: 8,
    description: 'Shortest password accepted, in characters.',
    parse: positive,
  }),
  setting({
    key: 'passwordRequiredCharacters',
    env: 'LATCHKEY_PASSWORD_REQUIRED_CHARACTERS',
    default: undefined,
    defaultText: 'none',
    description:
      'Character sets a password must each draw from, separated by ":" (GoTrue\'s format), e.g. "abcdefghijklmnopqrstuvwxyz:ABCDEFGHIJKLMNOPQRSTUVWXYZ:0123456789".',
    parse: optionalText,
  }),
  setting({
    key: 'disableSignup',
    env: 'LATCHKEY_DISABLE_SIGNUP',
    default: false,
    description: 'Refuse new sign-ups ("Signups not allowed for this instance"); the admin API can still create users.',
    parse: bool,
  }),
  setting({
    key: 'mfaTotpEnrollEnabled',
    env: 'LATCHKEY_MFA_TOTP_ENROLL_ENABLED',
    default: true,
    description: 'Users may enrol TOTP (authenticator app) factors.',
    parse: bool,
  }),
  setting({
    key: 'mfaTotpVerifyEnabled',
    env: 'LATCHKEY_MFA_TOTP_VERIFY_ENABLED',
    default: true,
    description: 'TOTP factors may be challenged and verified (raising a session to aal2).',
    parse: bool,
  }),
  setting({
    key: 'mfaWebAuthnEnrollEnabled',
    env: 'LATCHKEY_MFA_WEB_AUTHN_ENROLL_ENABLED',
    default: false,
    description: 'Users may enrol WebAuthn (security key, platform authenticator) factors.',
    parse: bool,
  }),
  setting({
    key: 'mfaWebAuthnVerifyEnabled',
    env: 'LATCHKEY_MFA_WEB_AUTHN_VERIFY_ENABLED',
    default: false,
    description: 'WebAuthn factors may be challenged and verified (raising a session to aal2).',
    parse: bool,
  }),
  setting({
    key: 'mfaMaxEnrolledFactors',
    env: 'LATCHKEY_MFA_MAX_ENROLLED_FACTORS',
    default: 10,
    description: 'Most factors a user may have, verified or not (too_many_enrolled_mfa_factors past it).',
    parse: positive,
  }),
  setting({
    key: 'mfaMaxVerifiedFactors',
    env: 'LATCHKEY_MFA_MAX_VERIFIED_FACTORS',
    default: 10,
    description: 'Most verified factors a user may have.',
    parse: positive,
  }),
  setting({
    key: 'mfaChallengeExpiryDuration',
    env: 'LATCHKEY_MFA_CHALLENGE_EXPIRY_DURATION',
    default: 300,
    description: 'Seconds (or a duration like "5m") an MFA challenge can be verified.',
    parse: duration,
  }),
  setting({
    key: 'mfaFactorExpiryDuration',
    env: 'LATCHKEY_MFA_FACTOR_EXPIRY_DURATION',
    default: 300,
    description: 'Seconds (or a duration) an unverified factor is kept before the next enrolment removes it.',
    parse: duration,
  }),
  setting({
    key: 'mfaRateLimitChallengeAndVerify',
    env: 'LATCHKEY_MFA_RATE_LIMIT_CHALLENGE_AND_VERIFY',
    default: 15,
    description: 'MFA challenges, and separately verifications, per minute per client IP (429 over_request_rate_limit past it).',
    parse: positive,
  }),
  setting({
    key: 'passkeyEnabled',
    env: 'LATCHKEY_PASSKEY_ENABLED',
    default: false,
    description: 'Passkeys: users register them and sign in with them, no password (the /passkeys routes).',
    parse: bool,
  }),
  setting({
    key: 'passkeyMaxPasskeysPerUser',
    env: 'LATCHKEY_PASSKEY_MAX_PASSKEYS_PER_USER',
    default: 10,
    description: 'Most passkeys a user may register (too_many_passkeys past it).',
    parse: positive,
  }),
  setting({
    key: 'webauthnRpId',
    env: 'LATCHKEY_WEBAUTHN_RP_ID',
    default: 'localhost',
    description: "WebAuthn relying-party id: the app's domain (e.g. example.com); credentials are bound to it.",
    parse: text,
  }),
  setting({
    key: 'webauthnRpOrigins',
    env: 'LATCHKEY_WEBAUTHN_RP_ORIGINS',
    default: undefined,
    defaultText: 'http(s)://localhost on any port when the RP id is localhost, else https://<RP id>',
    description: "Comma-separated origins WebAuthn ceremonies may come from (the app's pages, e.g. https://app.example.com).",
    parse: optionalList,
  }),
  setting({
    key: 'webauthnRpDisplayName',
    env: 'LATCHKEY_WEBAUTHN_RP_DISPLAY_NAME',
    default: 'Latchkey',
    description: "The app's name as authenticators show it when a credential is made.",
    parse: text,
  }),
  setting({
    key: 'webauthnChallengeExpiryDuration',
    env: 'LATCHKEY_WEBAUTHN_CHALLENGE_EXPIRY_DURATION',
    default: 300,
    description: 'Seconds (or a duration) a passkey registration or sign-in challenge can be answered.',
    parse: duration,
  }),
  setting({
    key: 'siteUrl',
    env: 'LATCHKEY_SITE_URL',
    default: 'http://localhost:3000',
    description:
      "Your app's URL. Email links send the user here unless the request's redirect_to is allowed (same scheme and host as this, or an entry of LATCHKEY_URI_ALLOW_LIST).",
    parse: url,
  }),
  setting({
    key: 'uriAllowList',
    env: 'LATCHKEY_URI_ALLOW_LIST',
    default: [],
    defaultText: 'none',
    description:
      'Comma-separated URLs redirect_to may name besides the site URL: exact URLs or globs (* within a host label or path segment, ** across them, as GoTrue), e.g. "https://*.example.com/**,myapp://callback".',
    parse: list,
  }),
  setting({
    key: 'apiExternalUrl',
    env: 'LATCHKEY_API_EXTERNAL_URL',
    default: undefined,
    defaultText: 'the issuer (LATCHKEY_ISSUER)',
    description: 'Public URL of the auth API (ending in /auth/v1 when served there); email links point at its /verify.',
    parse: optionalUrl,
  }),
  setting({
    key: 'mailerAutoconfirm',
    env: 'LATCHKEY_MAILER_AUTOCONFIRM',
    default: true,
    description:
      'Confirm email addresses at sign-up without sending mail. Turn it off in production: sign-ups then get a confirmation email and no session until they confirm.',
    parse: bool,
  }),
  setting({
    key: 'mailerOtpExp',
    env: 'LATCHKEY_MAILER_OTP_EXP',
    default: 3600,
    description: 'Seconds an emailed link or code stays valid (at most 86400).',
    parse: between(1, 86_400),
  }),
  setting({
    key: 'mailerOtpLength',
    env: 'LATCHKEY_MAILER_OTP_LENGTH',
    default: 6,
    description: 'Digits in an emailed one-time code, 6 to 10.',
    parse: between(6, 10),
  }),
  setting({
    key: 'mailerSecureEmailChangeEnabled',
    env: 'LATCHKEY_MAILER_SECURE_EMAIL_CHANGE_ENABLED',
    default: true,
    description: 'An email change must be confirmed from both the old and the new address (off: the new address alone).',
    parse: bool,
  }),
  setting({
    key: 'mailerTemplatesDir',
    env: 'LATCHKEY_MAILER_TEMPLATES_DIR',
    default: undefined,
    defaultText: 'built-in templates',
    description:
      "Directory of email templates overriding the built-in ones: <name>.html, <name>.txt and <name>.subject for confirmation, recovery, magic_link, email_change, invite, reauthentication, with GoTrue's placeholders ({{ .ConfirmationURL }}, {{ .Token }}, {{ .TokenHash }}, …).",
    parse: optionalText,
  }),
  setting({
    key: 'smtpMaxFrequency',
    env: 'LATCHKEY_SMTP_MAX_FREQUENCY',
    default: 60,
    description:
      'Seconds before another email of the same kind may go to the same address (whole seconds or a duration like "1m"; 0 = no limit).',
    parse: duration,
  }),
  setting({
    key: 'rateLimitEmailSent',
    env: 'LATCHKEY_RATE_LIMIT_EMAIL_SENT',
    default: { events: 30, seconds: 3600 },
    defaultText: '30 per hour',
    description:
      'Emails the server sends per hour, all addresses together ("30"), or per another window ("100/10m"); past it requests that would send mail answer 429 over_email_send_rate_limit.',
    parse: rate,
  }),
  setting({
    key: 'smtpHost',
    env: 'LATCHKEY_SMTP_HOST',
    default: undefined,
    defaultText: 'none: mail goes to the dev outbox',
    description:
      'SMTP server that sends the email. Unset, every message lands in the dev outbox (latchkey outbox, GET /admin/outbox) instead.',
    parse: optionalText,
  }),
  setting({
    key: 'smtpPort',
    env: 'LATCHKEY_SMTP_PORT',
    default: 587,
    description: 'SMTP port (465: TLS from the start; others: STARTTLS when offered).',
    parse: port,
  }),
  setting({
    key: 'smtpUser',
    env: 'LATCHKEY_SMTP_USER',
    default: undefined,
    defaultText: 'none',
    description: 'SMTP user name.',
    parse: optionalText,
  }),
  setting({
    key: 'smtpPass',
    env: 'LATCHKEY_SMTP_PASS',
    default: undefined,
    defaultText: 'none',
    description: 'SMTP password.',
    parse: optionalText,
  }),
  setting({
    key: 'smtpAdminEmail',
    env: 'LATCHKEY_SMTP_ADMIN_EMAIL',
    default: undefined,
    defaultText: 'required with LATCHKEY_SMTP_HOST',
    description: 'The From address of the email Latchkey sends.',
    parse: optionalText,
  }),
  setting({
    key: 'smtpSenderName',
    env: 'LATCHKEY_SMTP_SENDER_NAME',
    default: undefined,
    defaultText: 'none',
    description: 'The From display name of the email Latchkey sends.',
    parse: optionalText,
  }),
  setting({
    key: 'securityUpdatePasswordRequireReauthentication',
    env: 'LATCHKEY_SECURITY_UPDATE_PASSWORD_REQUIRE_REAUTHENTICATION',
    default: false,
    description:
      'A password change from a session signed in over 24 hours ago needs the nonce that GET /reauthenticate emails (reauthentication_needed otherwise), as GoTrue.',
    parse: bool,
  }),
  setting({
    key: 'externalAnonymousUsersEnabled',
    env: 'LATCHKEY_EXTERNAL_ANONYMOUS_USERS_ENABLED',
    default: false,
    description: 'Allow anonymous sign-ins (POST /signup with no email or phone; supabase-js signInAnonymously).',
    parse: bool,
  }),
  setting({
    key: 'anonymousRetentionDays',
    env: 'LATCHKEY_ANONYMOUS_RETENTION_DAYS',
    default: 30,
    description: 'Days after which anonymous users that never became permanent are deleted with their sessions (0 = never).',
    parse: seconds,
  }),
  setting({
    key: 'externalProviders',
    env: 'LATCHKEY_EXTERNAL_<NAME>_*',
    default: {},
    defaultText: 'none',
    description:
      'Sign-in providers (OpenID Connect by issuer, presets google, azure, gitlab, keycloak, github): one group of variables per provider, listed under "Per-provider settings". Read from the environment only.',
    parse: () => {
      throw new ConfigError('per-provider settings are read from LATCHKEY_EXTERNAL_<NAME>_* variables');
    },
  }),
  setting({
    key: 'securityManualLinkingEnabled',
    env: 'LATCHKEY_SECURITY_MANUAL_LINKING_ENABLED',
    default: false,
    description:
      'Signed-in users may link another provider identity (GET /user/identities/authorize, supabase-js linkIdentity) and unlink one; off, both answer 404 manual_linking_disabled as GoTrue.',
    parse: bool,
  }),
  setting({
    key: 'consoleEnabled',
    env: 'LATCHKEY_CONSOLE_ENABLED',
    default: true,
    description:
      'Serve the admin console at /console (sign-in with the secret key). Turn it off, or keep /console off the public network at the proxy, in production (see the production guide).',
    parse: bool,
  }),
] as const;

export function defaultConfig(): Config {
  const config: Record<string, unknown> = {};
  for (const s of SETTINGS) config[s.key] = s.default;
  return config as unknown as Config;
}

/**
 * Resolves the configuration: flags win over environment variables, which win over defaults.
 * Throws `ConfigError` naming the flag or variable on a bad value.
 */
export function resolveConfig(flags: Record<string, string | undefined>, env: NodeJS.ProcessEnv): Config {
  return resolveConfigWithSources(flags, env).config;
}

/** Where a setting's value came from (the console's Settings page shows it). */
export type SettingSource = 'default' | 'environment' | 'flag' | 'program';

/** `resolveConfig`, and for each setting where its value came from. */
export function resolveConfigWithSources(
  flags: Record<string, string | undefined>,
  env: NodeJS.ProcessEnv,
): { config: Config; sources: Partial<Record<keyof Config, SettingSource>> } {
  const config = defaultConfig() as unknown as Record<string, unknown>;
  const sources: Partial<Record<keyof Config, SettingSource>> = {};
  for (const s of SETTINGS) {
    const fromFlag = 'flag' in s && s.flag !== undefined ? flags[s.flag] : undefined;
    if (fromFlag !== undefined) {
      config[s.key] = s.parse(fromFlag, `--${(s as { flag: string }).flag}`);
      sources[s.key] = 'flag';
    } else if (env[s.env] !== undefined) {
      config[s.key] = s.parse(env[s.env] as string, s.env);
      sources[s.key] = 'environment';
    } else sources[s.key] = 'default';
  }
  // LATCHKEY_RATE_LIMITS=off reads naturally; bool() already accepts it.
  try {
    config.externalProviders = parseExternalProviders(env);
  } catch (error) {
    throw new ConfigError((error as Error).message);
  }
  if (Object.keys(config.externalProviders as object).length > 0) sources.externalProviders = 'environment';
  return { config: config as unknown as Config, sources };
}

/** The `latchkey serve --help` table. */
export function settingsHelp(): string {
  const rows = SETTINGS.map((s) => {
    const flag = 'flag' in s && s.flag ? `--${s.flag} <value>` : '';
    const def = s.defaultText ?? String(s.default);
    return { flag, env: s.env, text: `${s.description} (default: ${def})` };
  });
  const flagWidth = Math.max(...rows.map((r) => r.flag.length));
  const envWidth = Math.max(...rows.map((r) => r.env.length));
  return rows.map((r) => `  ${r.flag.padEnd(flagWidth)}  ${r.env.padEnd(envWidth)}  ${r.text}`).join('\n');
}

// Compile-time guard: every field of Config is declared in SETTINGS (so it has a flag or env
// twin, a default and a line in --help). A missing one fails the build here.
type Undeclared = Exclude<keyof Config, (typeof SETTINGS)[number]['key']>;
const everySettingDeclared: [Undeclared] extends [never] ? true : Undeclared = true;
void everySettingDeclared;

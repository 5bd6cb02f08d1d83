/**
 * Which database failures are transient: the database is unreachable, restarting, overloaded, or
 * a statement ran past `LATCHKEY_DB_TIMEOUT_MS`. They answer `503 service_unavailable` with
 * `Retry-After`, and clients retry them keeping their session (never a 500, never a sign-out).
 */
const TRANSIENT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  // admin_shutdown, crash_shutdown, cannot_connect_now (a standby being promoted, a restart)
  '57P01',
  '57P02',
  '57P03',
  // query_canceled: statement_timeout fired (a stalled row or database)
  '57014',
  // lock_not_available (lock_timeout), too_many_connections
  '55P03',
  '53300',
  // read_only_sql_transaction: a write reached a standby (between a failover and reconnecting)
  '25006',
  // serialization_failure, deadlock_detected: trying again succeeds
  '40001',
  '40P01',
]);

export function isDatabaseUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (TRANSIENT_CODES.has(code) || code.startsWith('08'))) return true;
  // pg's own errors carry no code: the pool's wait for a connection, a dropped connection, the
  // client-side query timeout.
  return /timeout exceeded when trying to connect|Connection terminated|Query read timeout|Client has encountered a connection error/i.test(
    String((error as Error | null)?.message),
  );
}

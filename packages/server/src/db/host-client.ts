/**
 * Which host of a multi-host URL a new pooled connection goes to (libpq's semantics, for
 * node-postgres, which has none): hosts are tried in the URL's order, and the first one that
 * accepts a connection of the asked-for kind (`target_session_attrs`) is kept for every new
 * connection after it, until a connection to it fails; then the next host in the list (wrapping
 * round) is tried. So after a failover, the connections to the old primary die (the pool drops
 * them), and new ones land on the promoted standby without a restart. A standby that is still
 * read-only is refused for `read-write`, as libpq refuses it. (libpq starts every connection at
 * the first host; a pool doing so would pay a dead first host's connect timeout on each new
 * connection, so the host that last accepted one is remembered instead.)
 *
 * The mechanism is pg-pool's own `Client` option: the pool constructs this subclass of
 * `pg.Client` for each new connection, and it connects to the current host and checks the
 * session before the pool hands it out. Nothing of pg's internals is patched. A refused attempt
 * throws (and the connection is closed); the caller (db/database.ts) asks the pool for a
 * connection again, which then goes to the next host: at most one attempt per host per call.
 */
import pg from 'pg';
import { describeHost, type PostgresHosts, type TargetSessionAttrs } from './hosts.js';

/** Errors of connection attempts that another host might not have: see `isHostFailure`. */
const hostFailures = new WeakSet<object>();

/**
 * Whether a failed `pool.connect()` failed at a host (unreachable, timed out, or not the kind of
 * server asked for) before any statement was sent, so asking again may reach another host.
 */
export function isHostFailure(error: unknown): boolean {
  // pg-pool reports a connection timeout as its own error, with the attempt's error as `cause`.
  for (let e = error, depth = 0; e !== null && typeof e === 'object' && depth < 4; e = (e as { cause?: unknown }).cause, depth++) {
    if (hostFailures.has(e)) return true;
  }
  return false;
}

interface SessionState {
  in_recovery: boolean;
  read_only: string;
}

// One round trip per new connection, on any Postgres version (libpq 14+ reads the same from the
// in_hot_standby / default_transaction_read_only parameters the server reports at start-up).
const SESSION_STATE_SQL =
  "SELECT pg_catalog.pg_is_in_recovery() AS in_recovery, pg_catalog.current_setting('transaction_read_only') AS read_only";

/** Why a session does not qualify, or undefined when it does. */
const CHECKS: Partial<Record<TargetSessionAttrs, (state: SessionState) => string | undefined>> = {
  // libpq's read-write: not a hot standby, and default_transaction_read_only off. A session's
  // transaction_read_only at its start is on in exactly those cases.
  'read-write': (state) => (state.read_only === 'on' ? (state.in_recovery ? 'a standby (in recovery)' : 'read-only') : undefined),
  primary: (state) => (state.in_recovery ? 'a standby (in recovery)' : undefined),
};

export interface HostRouting {
  /** The `Client` for pg.Pool's options. */
  Client: typeof pg.Client;
  /** How many hosts there are: the most attempts one call should make. */
  hostCount: number;
}

/**
 * The connection factory of one pool over `target`'s hosts. Latchkey writes, so it accepts only
 * the attributes that can land on a writable server.
 */
export function hostRouting(target: PostgresHosts): HostRouting {
  const { hosts, targetSessionAttrs } = target;
  if (targetSessionAttrs !== 'any' && targetSessionAttrs !== 'read-write' && targetSessionAttrs !== 'primary') {
    // A read-only session would fail every sign-in and refresh with 25006: refuse to start.
    throw new Error(`target_session_attrs=${targetSessionAttrs} cannot serve Latchkey, which writes: use read-write`);
  }
  const check = CHECKS[targetSessionAttrs];
  let cursor = 0;

  /** An attempt at `index` failed: new connections try the next host (once, however many failed). */
  const failed = (index: number) => {
    // Compare-and-set: of many connections to one host failing at once, only the first moves
    // the cursor; the others must not skip past the next host before it was even tried.
    if (cursor === index) cursor = (index + 1) % hosts.length;
  };

  class HostClient extends pg.Client {
    readonly #index: number;

    constructor(config?: pg.ClientConfig) {
      const index = cursor;
      // Every pool option (statement_timeout and search_path in `options`, connection and query
      // timeouts, keepalive) applies whichever host this is; only where to connect is ours.
      super({ ...config, connectionString: (hosts[index] ?? hosts[0]!).url });
      this.#index = index;
      // A connection that dies while checked out (a transaction when the server is killed)
      // emits 'error' besides failing its statement; with no listener that would crash the
      // process. The statement's own error is what the caller handles.
      this.on('error', () => {});
    }

    override connect(): Promise<pg.Client>;
    override connect(callback: (err: Error) => void): void;
    override connect(callback?: (err: Error) => void): Promise<pg.Client> | void {
      const attempt = this.#connectAndCheck();
      if (!callback) return attempt;
      attempt.then(
        () => callback(undefined as unknown as Error),
        (error: Error) => callback(error),
      );
    }

    async #connectAndCheck(): Promise<pg.Client> {
      try {
        await super.connect();
        if (check) {
          const { rows } = await this.query<SessionState>(SESSION_STATE_SQL);
          const refusal = check(rows[0]!);
          if (refusal) {
            await this.end().catch(() => {});
            // Class 08 (connection exception): isDatabaseUnavailable() answers 503, and the
            // client retries while the standby is being promoted.
            throw Object.assign(new Error(`${describeHost(hosts[this.#index]!)} is ${refusal}, not ${targetSessionAttrs}`), {
              code: '08001',
            });
          }
        }
        return this;
      } catch (error) {
        failed(this.#index);
        if (error !== null && typeof error === 'object') hostFailures.add(error);
        throw error;
      }
    }
  }

  return { Client: HostClient, hostCount: hosts.length };
}

/**
 * Sessions and the refresh contract of DESIGN.md ("Refresh-token semantics").
 *
 * A session's active refresh token is token number `counter`; tokens are derived, never stored
 * (crypto/refresh-token.ts). Rotation is one compare-and-set statement on the session row —
 * `UPDATE … WHERE counter = <presented>` — so under any interleaving, on any number of server
 * processes, exactly one caller moves the counter from n to n+1 (Postgres re-checks the WHERE
 * clause against the newest row version when it waits on a concurrent update). Every other caller
 * of the same token finds the counter already moved and is classified by `classify`:
 *
 *   presented = counter - 1, rotated < reuse interval ago → the same successor (token `counter`)
 *   presented < counter otherwise                         → reuse: revoke, refresh_token_already_used
 *
 * "Rotated" is when the rotation reached the database (after any wait on its row), not when its
 * request arrived: a client that only ever presented its newest token is never a thief, however
 * slow the database was. And a token *ahead* of the stored counter is rotated like the active
 * one (the compare-and-set is `counter <= presented`): see ROTATE_BATCH.
 *
 * The hot path (a plain rotation) is one round trip that also returns the user for the response,
 * and under load one round trip for many refreshes: concurrent compare-and-sets go to Postgres
 * as one statement (`rotations`, db/batcher.ts). Each row of it is the same compare-and-set.
 */
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../clock.js';
import { Batcher } from '../db/batcher.js';
import type { Database, Queryable } from '../db/database.js';
import { isDatabaseUnavailable } from '../db/unavailable.js';
import { LatchkeyError } from '../errors.js';
import {
  PUBLIC_USER_COLUMNS,
  ROTATED_USER_COLUMNS,
  USER_COLUMNS,
  UUID,
  type PublicUserRow,
  type RotatedUserRow,
  type UserRow,
} from './users.js';

export interface SessionInfo {
  id: string;
  counter: number;
  aal: string;
  amr: Array<{ method: string; timestamp: number }>;
}

export interface SessionWithUser {
  session: SessionInfo;
  user: UserRow;
}

export interface SessionPolicy {
  reuseIntervalSeconds: number;
  reuseRevokes: 'session' | 'user';
  timeboxSeconds: number;
  inactivityTimeoutSeconds: number;
}

export interface RefreshContext {
  now: Date;
  userAgent: string | undefined;
  ip: string | undefined;
}

export type RotationOutcome =
  { kind: 'rotated'; session: SessionInfo; user: RotatedUserRow } | { kind: 'replayed'; session: SessionInfo; user: PublicUserRow };

/** Fired when a used refresh token comes back: the session is revoked before this is called. */
export interface ReuseDetected {
  sessionId: string;
  userId: string;
  presentedCounter: number;
  activeCounter: number;
  ip: string | undefined;
  userAgent: string | undefined;
}

export type SessionUserRow = UserRow & {
  session_id: string;
  session_counter: string | number;
  session_aal: string;
  session_amr: SessionInfo['amr'];
  session_created_at: Date;
  session_refreshed_at: Date;
  session_revoked_at: Date | null;
};

const SESSION_COLUMNS =
  's.id AS session_id, s.counter AS session_counter, s.aal AS session_aal, s.amr AS session_amr, s.created_at AS session_created_at, s.refreshed_at AS session_refreshed_at, s.revoked_at AS session_revoked_at';

/** What a rotation needs back: the session's token state, not its timestamps (less to parse). */
const ROTATED_SESSION_COLUMNS = 's.id AS session_id, s.counter AS session_counter, s.aal AS session_aal, s.amr AS session_amr';

/** A row of the rotation statement: the session's token state and its user, timestamps as text. */
export type RotatedRow = RotatedUserRow & Pick<SessionUserRow, 'session_id' | 'session_counter' | 'session_aal' | 'session_amr'>;

function split(row: SessionUserRow): SessionWithUser {
  const { session_id, session_counter, session_aal, session_amr, session_created_at, session_refreshed_at, session_revoked_at, ...user } =
    row;
  return { session: { id: session_id, counter: Number(session_counter), aal: session_aal, amr: session_amr }, user: user as UserRow };
}

function splitRotated(row: RotatedRow): { session: SessionInfo; user: RotatedUserRow } {
  const { session_id, session_counter, session_aal, session_amr, ...user } = row;
  return { session: { id: session_id, counter: Number(session_counter), aal: session_aal, amr: session_amr }, user };
}

const secondsBefore = (now: Date, seconds: number) => (seconds > 0 ? new Date(now.getTime() - seconds * 1000) : null);

/**
 * Creates a session for a user that just proved who they are, and stamps `last_sign_in_at`, in
 * one statement.
 */
export async function createSession(db: Queryable, userId: string, method: string, ctx: RefreshContext): Promise<SessionWithUser> {
  const id = randomUUID();
  const amr = [{ method, timestamp: Math.floor(ctx.now.getTime() / 1000) }];
  const rows = await db.query<SessionUserRow>(
    `WITH s AS (
       INSERT INTO sessions (id, user_id, counter, aal, amr, created_at, refreshed_at, user_agent, ip)
       VALUES ($1, $2, 0, 'aal1', $3::jsonb, $4, $4, $5, $6)
       RETURNING *
     ), u AS (
       UPDATE users SET last_sign_in_at = $4 WHERE id = $2 RETURNING *
     )
     SELECT ${SESSION_COLUMNS}, ${USER_COLUMNS} FROM s, u`,
    [id, userId, JSON.stringify(amr), ctx.now, ctx.userAgent ?? null, ctx.ip ?? null],
  );
  const row = rows[0];
  if (!row) throw new LatchkeyError('user_not_found');
  return split(row);
}

/** One compare-and-set: move `sessionId` from `counter` to `counter + 1` if it may refresh now. */
export interface CompareAndSet {
  sessionId: string;
  counter: number;
  now: Date;
  /** The session must have been created after this (its timebox), if set. */
  createdAfter: Date | null;
  /** The session must have been refreshed after this (its inactivity timeout), if set. */
  refreshedAfter: Date | null;
  userAgent: string | null;
  ip: string | null;
}

/**
 * The compare-and-sets of the refresh path. Both answer the rotated session with its user, or
 * undefined where the compare-and-set did not apply (the caller classifies those one by one).
 */
export interface Rotations {
  /** Batched with concurrent refreshes; a row another transaction holds is skipped, not waited on. */
  submit(cas: CompareAndSet): Promise<RotatedRow | undefined>;
  /** Alone, waiting for a row another transaction holds (up to the statement timeout). */
  waiting(cas: CompareAndSet): Promise<RotatedRow | undefined>;
  /** The batcher's queue and statements in flight (tests). */
  stats(): { queued: number; inFlight: number };
}

// The compare-and-set of every session in a batch, in one statement. Each row of `p` is one
// refresh; a row updates only if its session is still at (or behind: see `rotate`) the presented
// counter, live, unexpired and its user not banned. Rows that do not apply return nothing.
//
// `target` locks each row before it is written, and `refreshed_at` is the database's clock after
// that lock (clock_timestamp(), plus $8: how far the server's clock is from the real one — 0 in
// production, the offset of a test's injected clock). So the reuse interval counts from the
// rotation's commit (give or take the commit's own flush), not from when its request arrived: a
// retry of a refresh that waited 14 s on a held row, a stalled database or a queue in front of it
// is still inside the interval when the rotation finally lands. Without the lock first, Postgres
// would compute the new row before waiting on a row that is only locked (SELECT … FOR UPDATE),
// and stamp the time before the wait. Requests' arrival times (the server's clock) are compared
// with it, so database and servers keep their clocks in step (NTP: milliseconds, against a
// 10-second interval).
//
// The batch arrives as one JSON array (times in milliseconds since the epoch): one string the
// driver sends as it is, where seven typed arrays cost it an escape and a date format per element
// (issue #17: about 6 % of a refresh's event-loop time at 64 clients).
const rotateStatement = (lock: 'FOR UPDATE OF s SKIP LOCKED' | 'FOR UPDATE OF s') => `WITH p AS (
    SELECT j.id, j.counter, j.user_agent, j.ip,
           timestamptz 'epoch' + j.now * interval '1 millisecond' AS now,
           timestamptz 'epoch' + j.created_after * interval '1 millisecond' AS created_after,
           timestamptz 'epoch' + j.refreshed_after * interval '1 millisecond' AS refreshed_after
      FROM json_to_recordset($1::json)
        AS j(id uuid, counter bigint, now bigint, created_after bigint, refreshed_after bigint, user_agent text, ip text)
  ), target AS (
    -- counter <= presented, not =: a token whose MAC checks out was issued by this server only
    -- after its counter committed, so a counter ahead of the stored one means the database lost
    -- commits (an asynchronous standby promoted, a restore, synchronous_commit = off). Its holder
    -- has the newest token there is; accepting it moves the session forward instead of signing
    -- the user out. Single use still holds: the counter jumps past it, and every token behind
    -- the new counter (including whatever a thief kept from the lost stretch) is reuse again.
    SELECT s.id FROM sessions s JOIN p ON p.id = s.id WHERE s.counter <= p.counter AND s.revoked_at IS NULL ${lock}
  )
  UPDATE sessions s
     SET counter = p.counter + 1, refreshed_at = clock_timestamp() + $2::float8 * interval '1 millisecond',
         user_agent = p.user_agent, ip = p.ip
    FROM target t, p, users u
   WHERE s.id = t.id AND p.id = s.id AND s.counter <= p.counter AND s.revoked_at IS NULL
     AND u.id = s.user_id AND (u.banned_until IS NULL OR u.banned_until <= p.now)
     AND (p.created_after IS NULL OR s.created_at > p.created_after)
     AND (p.refreshed_after IS NULL OR s.refreshed_at > p.refreshed_after)
  RETURNING ${ROTATED_SESSION_COLUMNS}, ${ROTATED_USER_COLUMNS}`;

// A batch never waits on one held row (a long transaction, another process's rotation of the
// same session): the other sessions in it go ahead, and the held one is retried alone.
const ROTATE_BATCH = rotateStatement('FOR UPDATE OF s SKIP LOCKED');
const ROTATE_WAITING = rotateStatement('FOR UPDATE OF s');

function runRotations(db: Queryable, clock: Clock, sql: string, name: string, items: CompareAndSet[]): Promise<RotatedRow[]> {
  return db.query<RotatedRow>(
    sql,
    [
      JSON.stringify(
        items.map((c) => ({
          id: c.sessionId,
          counter: c.counter,
          now: c.now.getTime(),
          created_after: c.createdAfter?.getTime() ?? null,
          refreshed_after: c.refreshedAfter?.getTime() ?? null,
          user_agent: c.userAgent,
          ip: c.ip,
        })),
      ),
      clock() - Date.now(),
    ],
    name,
  );
}

/**
 * The rotations of one server process: one batch statement at a time, more (up to
 * `maxInFlight`) only while the one out is stalled `stallMs`, so the rest of the pool stays free
 * for sign-ins and everything else.
 */
export function sessionRotations(
  db: Queryable,
  options: {
    maxInFlight: number;
    clock?: Clock;
    stallMs?: number;
    maxSize?: number;
    onBatch?: (size: number) => void;
    onSplit?: (error: unknown, size: number) => void;
  },
): Rotations {
  const clock = options.clock ?? systemClock;
  const batcher = new Batcher<CompareAndSet, RotatedRow | undefined>(
    async (items) => {
      // Sorted by session id, so two processes' batches tend to lock shared rows in one order
      // (a deadlock between them would fail both; the batcher then retries each item alone).
      const sorted = [...items].sort((a, b) => (a.sessionId < b.sessionId ? -1 : a.sessionId > b.sessionId ? 1 : 0));
      const rows = await runRotations(db, clock, ROTATE_BATCH, 'latchkey_rotate', sorted);
      const bySession = new Map(rows.map((row) => [row.session_id, row]));
      return items.map((c) => bySession.get(c.sessionId));
    },
    // One session per batch and per moment: its refreshes take turns (the batcher's key rule).
    (c) => c.sessionId,
    // A timed-out or unreachable database fails every item the same way: trying them again one
    // by one would only make each caller wait its timeout twice before its 503.
    { ...options, maxSize: options.maxSize ?? 64, splitOnFailure: (error) => !isDatabaseUnavailable(error) },
  );
  return {
    submit: (cas) => batcher.submit(cas),
    async waiting(cas) {
      return (await runRotations(db, clock, ROTATE_WAITING, 'latchkey_rotate_waiting', [cas]))[0];
    },
    stats: () => batcher.stats(),
  };
}

/**
 * Applies the refresh contract to a presented (session, counter) whose MAC already checked out.
 * Returns the session to issue tokens for; throws the contract's coded errors.
 */
export async function rotate(
  db: Database,
  rotations: Rotations,
  presented: { sessionId: string; counter: number },
  policy: SessionPolicy,
  ctx: RefreshContext,
  onReuse: (event: ReuseDetected) => void,
): Promise<RotationOutcome> {
  const { now } = ctx;
  const timeboxStart = secondsBefore(now, policy.timeboxSeconds);
  const inactiveBefore = secondsBefore(now, policy.inactivityTimeoutSeconds);
  const cas: CompareAndSet = {
    sessionId: presented.sessionId,
    counter: presented.counter,
    now,
    createdAfter: timeboxStart,
    refreshedAfter: inactiveBefore,
    userAgent: ctx.userAgent ?? null,
    ip: ctx.ip ?? null,
  };

  // Two tries: the first batched, skipping a row another transaction holds; the second alone,
  // waiting for it. The second also covers a session that became refreshable between the two
  // statements of the first (a ban lifted in between), which is then simply the active token.
  for (let attempt = 0; attempt < 2; attempt++) {
    // The compare-and-set: the only statement that ever moves a session's counter.
    const rotated = attempt === 0 ? await rotations.submit(cas) : await rotations.waiting(cas);
    if (rotated) return { kind: 'rotated', ...splitRotated(rotated) };

    // Lost the compare-and-set, the row was held, or the session cannot refresh: find out which.
    // A plain read: it never waits on a row lock.
    const rows = await db.query<SessionUserRow>(
      `SELECT ${SESSION_COLUMNS}, ${PUBLIC_USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1`,
      [presented.sessionId],
      'latchkey_classify',
    );
    const row = rows[0];
    // The token was ours (its MAC checked out) but its session is gone: deleted with its user.
    if (!row || row.session_revoked_at)
      throw new LatchkeyError('session_not_found', 'Invalid Refresh Token: Session Not Found', { status: 400 });
    if (row.banned_until && new Date(row.banned_until) > now)
      throw new LatchkeyError('user_banned', 'Invalid Refresh Token: User Banned', { status: 400 });
    if ((timeboxStart && row.session_created_at <= timeboxStart) || (inactiveBefore && row.session_refreshed_at <= inactiveBefore)) {
      throw new LatchkeyError('session_expired');
    }
    const { session, user } = split(row);
    // At (or ahead of) the counter, refreshable, and still not rotated: its row was held by
    // another transaction. Try again, waiting this time.
    if (presented.counter >= session.counter) continue;
    // Negative when the rotation committed after this request arrived: the two were concurrent.
    const rotatedAgo = now.getTime() - new Date(row.session_refreshed_at).getTime();
    // An interval of 0 is strict single use, as GoTrue's default: not even a concurrent
    // presentation of the parent gets the successor.
    if (presented.counter === session.counter - 1 && policy.reuseIntervalSeconds > 0 && rotatedAgo < policy.reuseIntervalSeconds * 1000) {
      // The immediate parent inside the reuse interval: a concurrent or retried refresh of the
      // same token. Same successor, no new branch.
      return { kind: 'replayed', session, user };
    }

    // Anything else is a used token presented again: treat it as stolen.
    await revokeForReuse(db, policy, session.id, user.id, now);
    onReuse({
      sessionId: session.id,
      userId: user.id,
      presentedCounter: presented.counter,
      activeCounter: session.counter,
      ip: ctx.ip,
      userAgent: ctx.userAgent,
    });
    throw new LatchkeyError('refresh_token_already_used');
  }
  // Held by another transaction through both tries, with no statement timeout to end the wait.
  throw new LatchkeyError('service_unavailable');
}

async function revokeForReuse(db: Queryable, policy: SessionPolicy, sessionId: string, userId: string, now: Date): Promise<void> {
  if (policy.reuseRevokes === 'user') {
    await revokeUserSessions(db, userId, now, 'refresh_token_reuse');
  } else {
    await db.query("UPDATE sessions SET revoked_at = $2, revoked_reason = 'refresh_token_reuse' WHERE id = $1 AND revoked_at IS NULL", [
      sessionId,
      now,
    ]);
  }
}

/** The live session an access token names, with its user; undefined once revoked or deleted. */
export async function findLiveSession(db: Queryable, sessionId: string): Promise<SessionWithUser | undefined> {
  const rows = await db.query<SessionUserRow>(
    `SELECT ${SESSION_COLUMNS}, ${USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.id = $1 AND s.revoked_at IS NULL`,
    [sessionId],
    'latchkey_live_session',
  );
  return rows[0] ? split(rows[0]) : undefined;
}

export async function revokeSession(db: Queryable, sessionId: string, now: Date, reason: string): Promise<void> {
  await db.query('UPDATE sessions SET revoked_at = $2, revoked_reason = $3 WHERE id = $1 AND revoked_at IS NULL', [sessionId, now, reason]);
}

/** Revokes every live session of a user, except `keep` when given. */
export async function revokeUserSessions(db: Queryable, userId: string, now: Date, reason: string, keep?: string): Promise<number> {
  const rows = await db.query<{ id: string }>(
    'UPDATE sessions SET revoked_at = $2, revoked_reason = $3 WHERE user_id = $1 AND revoked_at IS NULL AND ($4::uuid IS NULL OR id <> $4) RETURNING id',
    [userId, now, reason, keep ?? null],
  );
  return rows.length;
}

export interface SessionListing {
  id: string;
  created_at: string;
  refreshed_at: string;
  user_agent: string | null;
  ip: string | null;
  aal: string;
}

/** The live sessions of a user, most recently refreshed first. */
export async function listSessions(db: Queryable, userId: string): Promise<SessionListing[]> {
  const rows = await db.query<{
    id: string;
    created_at: Date;
    refreshed_at: Date;
    user_agent: string | null;
    ip: string | null;
    aal: string;
  }>(
    'SELECT id, created_at, refreshed_at, user_agent, ip, aal FROM sessions WHERE user_id = $1 AND revoked_at IS NULL ORDER BY refreshed_at DESC',
    [userId],
  );
  return rows.map((r) => ({
    ...r,
    created_at: new Date(r.created_at).toISOString(),
    refreshed_at: new Date(r.refreshed_at).toISOString(),
  }));
}

/** Revokes one live session, only if it belongs to `userId` (when given); true if it was live. */
export async function revokeOne(
  db: Queryable,
  sessionId: string,
  now: Date,
  reason: string,
  userId?: string,
): Promise<{ user_id: string } | undefined> {
  // Not a UUID cannot be a session; asking Postgres would be a type error (a 500).
  if (!UUID.test(sessionId)) return undefined;
  const rows = await db.query<{ user_id: string }>(
    'UPDATE sessions SET revoked_at = $2, revoked_reason = $3 WHERE id = $1 AND revoked_at IS NULL AND ($4::uuid IS NULL OR user_id = $4) RETURNING user_id',
    [sessionId, now, reason, userId ?? null],
  );
  return rows[0];
}

/** What a verified second factor adds to its session. */
export interface SessionUpgrade {
  sessionId: string;
  userId: string;
  /** The amr method: `totp`, `mfa/webauthn` (GoTrue's names). */
  method: string;
  factorId: string;
  now: Date;
}

/**
 * Raises a session to aal2 after a second factor was verified: the level belongs to the session,
 * so every token rotated from it from now on carries aal2 and this amr (the method first, as
 * GoTrue orders amr most recent first; an earlier entry of the same method is replaced).
 *
 * The same session (GoTrue upgrades the current session too), and its refresh token rotates in
 * the same statement: the counter moves n → n+1 and `refreshed_at` is stamped like a rotation's
 * (see rotateStatement), and the caller answers with token n+1. So the upgrade is one more
 * rotation of the session's chain, under the refresh contract: the aal1 token n that another tab
 * or request of the same client is refreshing at this very moment is the parent of the active
 * token, and inside the reuse interval gets the same successor n+1 — now aal2 — instead of being
 * taken for reuse and ending the session (GoTrue moves its counter by 2 here, which makes that
 * concurrent refresh a reuse outside its interval). After the interval, token n is reuse as
 * always. Tokens are issued only after this commits, so the "ahead" rule still holds.
 */
export async function upgradeSession(
  db: Queryable,
  clock: Clock,
  upgrade: SessionUpgrade,
): Promise<{ session: SessionInfo; user: PublicUserRow } | undefined> {
  const rows = await db.query<SessionUserRow>(
    `UPDATE sessions s
        SET aal = 'aal2', factor_id = $3,
            amr = jsonb_build_array(jsonb_build_object('method', $4::text, 'timestamp', $5::bigint))
                  || coalesce((SELECT jsonb_agg(x.e ORDER BY x.i) FROM jsonb_array_elements(s.amr) WITH ORDINALITY AS x(e, i)
                                WHERE x.e->>'method' <> $4::text), '[]'::jsonb),
            counter = s.counter + 1,
            refreshed_at = clock_timestamp() + $6::float8 * interval '1 millisecond'
       FROM users u
      WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND u.id = s.user_id
      RETURNING ${SESSION_COLUMNS}, ${PUBLIC_USER_COLUMNS}`,
    [upgrade.sessionId, upgrade.userId, upgrade.factorId, upgrade.method, Math.floor(upgrade.now.getTime() / 1000), clock() - Date.now()],
  );
  return rows[0] ? split(rows[0]) : undefined;
}

/**
 * Ends the user's other sessions still at aal1, as GoTrue does once a factor is verified: a
 * session that never proved the second factor does not outlive its arrival. Returns how many.
 */
export async function revokeAal1Sessions(db: Queryable, userId: string, keep: string, now: Date): Promise<number> {
  const rows = await db.query<{ id: string }>(
    "UPDATE sessions SET revoked_at = $2, revoked_reason = 'mfa_verified' WHERE user_id = $1 AND revoked_at IS NULL AND aal = 'aal1' AND id <> $3 RETURNING id",
    [userId, now, keep],
  );
  return rows.length;
}

/**
 * Lowers the sessions a removed factor raised back to aal1, without that factor's amr entry (as
 * GoTrue does). Tokens rotated from them carry aal1 from now on; access tokens already issued
 * keep their claims until they expire.
 */
export async function downgradeFactorSessions(db: Queryable, factorId: string, method: string): Promise<number> {
  const rows = await db.query<{ id: string }>(
    `UPDATE sessions s SET aal = 'aal1', factor_id = NULL,
            amr = coalesce((SELECT jsonb_agg(x.e ORDER BY x.i) FROM jsonb_array_elements(s.amr) WITH ORDINALITY AS x(e, i)
                             WHERE x.e->>'method' <> $2::text), '[]'::jsonb)
      WHERE s.factor_id = $1 RETURNING s.id`,
    [factorId, method],
  );
  return rows.length;
}

/** Which sessions are dead, and how long one is kept after it ended. */
export interface SessionRetention {
  /** Seconds a dead session is kept after it ended (> 0). */
  retentionSeconds: number;
  /** The session policy's limits (0 = off): a session past either has ended. */
  timeboxSeconds: number;
  inactivityTimeoutSeconds: number;
}

export interface PurgeResult {
  /** Sessions deleted. */
  deleted: number;
  /** DELETE statements run (one batch each). */
  statements: number;
}

// A batch of revoked (or signed-out) sessions whose revocation is older than $1, oldest first,
// through the partial index on revoked_at. Each batch is its own statement and transaction, so
// its row locks last one small statement; SKIP LOCKED passes over a row another transaction holds
// (an admin revoking the user's sessions again, say) instead of waiting behind it. A revoked row
// is never a refresh's: the rotation only locks rows with revoked_at IS NULL.
//
// Rows are deleted by their physical address (ctid, a TID scan), not joined back through the
// primary key: at 10 M rows that join was 96% of a batch's page reads (bench/data-scale.mjs). The
// address is the locked row version's, and a locked row cannot move before the DELETE of the
// same statement; a version the DELETE's snapshot cannot see is simply left for the next purge.
const PURGE_REVOKED = `WITH doomed AS (
    SELECT ctid FROM sessions WHERE revoked_at < $1 ORDER BY revoked_at LIMIT $2 FOR UPDATE SKIP LOCKED
  ), gone AS (
    DELETE FROM sessions WHERE ctid = ANY (ARRAY(SELECT ctid FROM doomed)) RETURNING 1
  )
  SELECT count(*)::int AS deleted FROM gone`;

// A page of sessions created before $1, after the cursor ($2, $3), in the order of the index on
// (created_at, id); of those, the ones past their timebox ($4) or inactivity timeout ($5) by more
// than the retention are locked and deleted. The cursor moves a page at a time, so live old
// sessions are read once per purge, not once per batch. Rows a refresh is rotating right now are
// skipped (SKIP LOCKED): the purge never waits on a refresh, and the refresh never waits on the
// purge for longer than one batch statement. A row a refresh updated since this statement's
// snapshot is re-read by FOR UPDATE (READ COMMITTED re-checks the WHERE clause on the newest
// version), so a session that just refreshed is not deleted on the strength of its old
// refreshed_at. Rows are found and deleted by address (ctid), as in PURGE_REVOKED.
const PURGE_EXPIRED = `WITH page AS (
    SELECT ctid, id, created_at FROM sessions
     WHERE created_at < $1 AND (created_at, id) > ($2::timestamptz, $3::uuid)
     ORDER BY created_at, id LIMIT $6
  ), doomed AS (
    SELECT ctid FROM sessions
     WHERE ctid = ANY (ARRAY(SELECT ctid FROM page))
       AND (($4::timestamptz IS NOT NULL AND created_at < $4) OR ($5::timestamptz IS NOT NULL AND refreshed_at < $5))
     FOR UPDATE SKIP LOCKED
  ), gone AS (
    DELETE FROM sessions WHERE ctid = ANY (ARRAY(SELECT ctid FROM doomed)) RETURNING 1
  )
  -- created_at as text: a Date would drop its microseconds, and a cursor rounded down would
  -- find the same page again.
  SELECT (SELECT count(*) FROM gone)::int AS deleted, last.created_at::text AS created_at, last.id
    FROM (SELECT created_at, id FROM page ORDER BY created_at DESC, id DESC LIMIT 1) last`;

/**
 * Deletes the sessions that ended more than `retentionSeconds` ago, `batchSize` rows per
 * statement: revoked and signed-out ones (ended at `revoked_at`), and, when the policy has them,
 * those past their timebox (ended at `created_at + timebox`) or inactivity timeout (ended at
 * `refreshed_at + timeout`). A deleted session's refresh tokens answer `session_not_found`, as a
 * revoked one's do (`rotate` reads a missing row and a revoked one alike). Run it under
 * `Database.ifUnlocked`, so one process at a time does it.
 *
 * @example
 * const result = await db.ifUnlocked('session-purge', (conn) =>
 *   purgeDeadSessions(conn, { retentionSeconds: 604_800, timeboxSeconds: 0, inactivityTimeoutSeconds: 0 }, new Date(), { batchSize: 1000 }),
 * );
 */
export async function purgeDeadSessions(
  db: Queryable,
  retention: SessionRetention,
  now: Date,
  options: { batchSize: number },
): Promise<PurgeResult> {
  const result: PurgeResult = { deleted: 0, statements: 0 };
  const endedBefore = (seconds: number) => new Date(now.getTime() - (seconds + retention.retentionSeconds) * 1000);
  const run = async <R extends { deleted: number }>(sql: string, params: unknown[], name: string) => {
    const rows = await db.query<R>(sql, params, name);
    result.statements++;
    result.deleted += rows[0]?.deleted ?? 0;
    return rows[0];
  };

  const revokedBefore = endedBefore(0);
  // A batch that came back short found no more (or only rows held by others: next hour's).
  while ((await run(PURGE_REVOKED, [revokedBefore, options.batchSize], 'latchkey_purge_revoked'))?.deleted === options.batchSize);

  const createdBefore = retention.timeboxSeconds > 0 ? endedBefore(retention.timeboxSeconds) : null;
  const refreshedBefore = retention.inactivityTimeoutSeconds > 0 ? endedBefore(retention.inactivityTimeoutSeconds) : null;
  if (!createdBefore && !refreshedBefore) return result;
  // A session refreshed before the inactivity cut was created before it too (refreshed_at >=
  // created_at), so every candidate lies below the later of the two cuts.
  const scanBefore = [createdBefore, refreshedBefore].reduce((a, b) => (b && (!a || b > a) ? b : a));
  let cursor: { created_at: string; id: string } = { created_at: '-infinity', id: '00000000-0000-0000-0000-000000000000' };
  for (;;) {
    const last = await run<{ deleted: number; created_at: string; id: string }>(
      PURGE_EXPIRED,
      [scanBefore, cursor.created_at, cursor.id, createdBefore, refreshedBefore, options.batchSize],
      'latchkey_purge_expired',
    );
    if (!last) return result;
    cursor = last;
  }
}

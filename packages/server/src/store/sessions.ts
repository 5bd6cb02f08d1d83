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
 * The hot path (a plain rotation) is one round trip that also returns the user for the response.
 */
import { randomUUID } from 'node:crypto';
import type { Database, Queryable } from '../db/database.js';
import { LatchkeyError } from '../errors.js';
import { PUBLIC_USER_COLUMNS, USER_COLUMNS, UUID, type PublicUserRow, type UserRow } from './users.js';

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
  { kind: 'rotated'; session: SessionInfo; user: PublicUserRow } | { kind: 'replayed'; session: SessionInfo; user: PublicUserRow };

/** Fired when a used refresh token comes back: the session is revoked before this is called. */
export interface ReuseDetected {
  sessionId: string;
  userId: string;
  presentedCounter: number;
  activeCounter: number;
  ip: string | undefined;
  userAgent: string | undefined;
}

type SessionUserRow = UserRow & {
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

function split(row: SessionUserRow): SessionWithUser {
  const { session_id, session_counter, session_aal, session_amr, session_created_at, session_refreshed_at, session_revoked_at, ...user } =
    row;
  return { session: { id: session_id, counter: Number(session_counter), aal: session_aal, amr: session_amr }, user: user as UserRow };
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

/**
 * Applies the refresh contract to a presented (session, counter) whose MAC already checked out.
 * Returns the session to issue tokens for; throws the contract's coded errors.
 */
export async function rotate(
  db: Database,
  presented: { sessionId: string; counter: number },
  policy: SessionPolicy,
  ctx: RefreshContext,
  onReuse: (event: ReuseDetected) => void,
): Promise<RotationOutcome> {
  const { now } = ctx;
  const timeboxStart = secondsBefore(now, policy.timeboxSeconds);
  const inactiveBefore = secondsBefore(now, policy.inactivityTimeoutSeconds);

  // Two tries: the second covers a session that became refreshable between the two statements
  // of the first (a ban lifted in between), which is then simply the active token again.
  for (let attempt = 0; attempt < 2; attempt++) {
    // The compare-and-set: the only statement that ever moves a session's counter.
    const rotated = await db.query<SessionUserRow>(
      `UPDATE sessions s
        SET counter = s.counter + 1, refreshed_at = $3, user_agent = $6, ip = $7
       FROM users u
      WHERE s.id = $1 AND s.counter = $2 AND s.revoked_at IS NULL
        AND u.id = s.user_id AND (u.banned_until IS NULL OR u.banned_until <= $3)
        AND ($4::timestamptz IS NULL OR s.created_at > $4)
        AND ($5::timestamptz IS NULL OR s.refreshed_at > $5)
    RETURNING ${ROTATED_SESSION_COLUMNS}, ${PUBLIC_USER_COLUMNS}`,
      [presented.sessionId, presented.counter, now, timeboxStart, inactiveBefore, ctx.userAgent ?? null, ctx.ip ?? null],
      'latchkey_rotate',
    );
    if (rotated[0]) return { kind: 'rotated', ...split(rotated[0]) };

    // Lost the compare-and-set, or the session cannot refresh: find out which.
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
    if (presented.counter > session.counter) {
      // Issued by us for a future the database does not know (restored from an older backup).
      throw new LatchkeyError('refresh_token_not_found');
    }
    if (presented.counter === session.counter) continue;
    const rotatedAgo = now.getTime() - new Date(row.session_refreshed_at).getTime();
    if (presented.counter === session.counter - 1 && rotatedAgo < policy.reuseIntervalSeconds * 1000) {
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
  throw new LatchkeyError('refresh_token_not_found');
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

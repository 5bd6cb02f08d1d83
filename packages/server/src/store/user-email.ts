/**
 * The statements of the email flows about users: sign-up, invite and anonymous users, when mail
 * went out, confirming an address, and changing it. (The user statements every flow shares live in
 * users.ts.)
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database.js';
import { onDuplicateEmail, type UserRow } from './users.js';

/** The user JSON's record of the last mail of each kind (GoTrue's `*_sent_at`). */
export type SentColumn = 'confirmation_sent_at' | 'recovery_sent_at' | 'email_change_sent_at' | 'reauthentication_sent_at';

export async function stampSent(db: Queryable, userId: string, column: SentColumn, now: Date): Promise<void> {
  // The column is one of four literals (the type above), never request input.
  await db.query(`UPDATE users SET ${column} = $2 WHERE id = $1`, [userId, now]);
}

/** A user who has an address but no confirmed one yet, and maybe no password (magic link, invite). */
export async function createUnconfirmedUser(
  db: Queryable,
  user: { email: string; passwordHash: string | null; userMetadata: Record<string, unknown>; invited: boolean; now: Date },
): Promise<UserRow> {
  const rows = await db
    .query<UserRow>(
      `INSERT INTO users (id, email, encrypted_password, raw_user_meta_data, raw_app_meta_data, role, invited_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4::jsonb, '{}'::jsonb, 'authenticated', $5, $6, $6) RETURNING *`,
      [randomUUID(), user.email, user.passwordHash, JSON.stringify(user.userMetadata), user.invited ? user.now : null, user.now],
    )
    .catch(onDuplicateEmail('email_exists'));
  return rows[0] as UserRow;
}

/** An anonymous user: no address, no password, `is_anonymous` until an address is confirmed. */
export async function createAnonymousUser(db: Queryable, user: { userMetadata: Record<string, unknown>; now: Date }): Promise<UserRow> {
  const rows = await db.query<UserRow>(
    `INSERT INTO users (id, email, raw_user_meta_data, raw_app_meta_data, role, is_anonymous, created_at, updated_at)
     VALUES ($1, NULL, $2::jsonb, '{}'::jsonb, 'authenticated', true, $3, $3) RETURNING *`,
    [randomUUID(), JSON.stringify(user.userMetadata), user.now],
  );
  return rows[0] as UserRow;
}

export async function markInvited(db: Queryable, userId: string, now: Date): Promise<void> {
  await db.query('UPDATE users SET invited_at = $2, confirmation_sent_at = $2 WHERE id = $1', [userId, now]);
}

/** Confirms the user's address (kept as first confirmed if it already was). */
export async function confirmEmail(db: Queryable, userId: string, now: Date): Promise<UserRow | undefined> {
  const rows = await db.query<UserRow>(
    'UPDATE users SET email_confirmed_at = COALESCE(email_confirmed_at, $2), updated_at = $2 WHERE id = $1 RETURNING *',
    [userId, now],
  );
  return rows[0];
}

/** Records the address a change waits to confirm. */
export async function beginEmailChange(db: Queryable, userId: string, newEmail: string, now: Date): Promise<UserRow | undefined> {
  const rows = await db.query<UserRow>(
    'UPDATE users SET email_change = $2, email_change_sent_at = $3, updated_at = $3 WHERE id = $1 RETURNING *',
    [userId, newEmail, now],
  );
  return rows[0];
}

/** Locks the user's row for the rest of the transaction and reads it. */
export async function lockUser(db: Queryable, userId: string): Promise<UserRow | undefined> {
  const rows = await db.query<UserRow>('SELECT * FROM users WHERE id = $1 FOR UPDATE', [userId]);
  return rows[0];
}

/**
 * Makes the pending address the user's, confirmed; an anonymous user becomes permanent. Another
 * user holding the address by now is `email_exists` (the unique index decides, not a prior read).
 */
export async function completeEmailChange(db: Queryable, userId: string, now: Date): Promise<UserRow | undefined> {
  const rows = await db
    .query<UserRow>(
      `UPDATE users SET email = email_change, email_confirmed_at = $2, email_change = NULL, email_change_sent_at = NULL,
              is_anonymous = false, updated_at = $2
        WHERE id = $1 AND email_change IS NOT NULL RETURNING *`,
      [userId, now],
    )
    .catch(onDuplicateEmail('email_exists'));
  return rows[0];
}

/** Sets a confirmed address directly (an anonymous user adding one while sign-ups are autoconfirmed, as GoTrue). */
export async function setConfirmedEmail(db: Queryable, userId: string, email: string, now: Date): Promise<UserRow | undefined> {
  const rows = await db
    .query<UserRow>(
      `UPDATE users SET email = $2, email_confirmed_at = $3, email_change = NULL, email_change_sent_at = NULL, is_anonymous = false, updated_at = $3
        WHERE id = $1 RETURNING *`,
      [userId, email, now],
    )
    .catch(onDuplicateEmail('email_exists'));
  return rows[0];
}

/** Deletes anonymous users created before `before` (with their sessions, by cascade); returns how many. */
export async function purgeAnonymousUsers(db: Queryable, before: Date): Promise<number> {
  const rows = await db.query<{ n: string | number }>(
    'WITH d AS (DELETE FROM users WHERE is_anonymous AND created_at < $1 RETURNING 1) SELECT count(*) AS n FROM d',
    [before],
  );
  return Number(rows[0]?.n ?? 0);
}

/** Users: rows, their GoTrue JSON shape, and the statements that read and write them. */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database.js';
import { LatchkeyError, type ErrorCode } from '../errors.js';
import { FACTORS_COLUMN, factorJson, type FactorRow } from './factors.js';

export interface UserRow {
  id: string;
  aud: string;
  role: string;
  email: string | null;
  phone: string | null;
  encrypted_password: string | null;
  email_confirmed_at: Date | null;
  last_sign_in_at: Date | null;
  raw_app_meta_data: Record<string, unknown>;
  raw_user_meta_data: Record<string, unknown>;
  banned_until: Date | null;
  is_anonymous: boolean;
  created_at: Date;
  updated_at: Date;
  /** The user's MFA factors, where the statement selected them (FACTORS_COLUMN). */
  factors?: Array<Pick<FactorRow, 'id' | 'friendly_name' | 'factor_type' | 'status' | 'created_at' | 'updated_at' | 'last_challenged_at'>>;
  // The email flows' bookkeeping (issue #13). Optional: statements on the refresh path do not read them.
  invited_at?: Date | null;
  confirmation_sent_at?: Date | null;
  recovery_sent_at?: Date | null;
  email_change?: string | null;
  email_change_sent_at?: Date | null;
  reauthentication_sent_at?: Date | null;
  /** Provider identities (issue #14), GoTrue's JSON shape; attached by the routes that show them (store/identities.ts). */
  provider_identities?: Record<string, unknown>[];
}

/** A user without its password hash: what every response and token is built from. */
export type PublicUserRow = Omit<UserRow, 'encrypted_password'>;

/** The column list of a user without the password hash, for the refresh hot path (less to ship and parse). */
export const PUBLIC_USER_COLUMNS =
  'u.id, u.aud, u.role, u.email, u.phone, u.email_confirmed_at, u.last_sign_in_at, u.raw_app_meta_data, u.raw_user_meta_data, u.banned_until, u.is_anonymous, u.created_at, u.updated_at, ' +
  FACTORS_COLUMN;

/** A row's timestamp: a Date as pg parses it, or ISO 8601 text where Postgres formatted it (ROTATED_USER_COLUMNS). */
export type Timestamp = Date | string;

// Postgres formats the timestamp as Date#toISOString would (UTC, milliseconds, both truncate the
// microseconds), so the refresh path neither parses it into a Date nor formats it back: together
// about 8 % of a refresh's event-loop time at 64 clients (issue #17, BENCHMARKS.md).
const isoText = (column: string) => `to_char(u.${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS ${column}`;

/** PUBLIC_USER_COLUMNS with the timestamps as ISO 8601 text: for the rotation statement, whose rows only become JSON. */
export const ROTATED_USER_COLUMNS =
  'u.id, u.aud, u.role, u.email, u.phone, u.raw_app_meta_data, u.raw_user_meta_data, u.is_anonymous, ' +
  ['email_confirmed_at', 'last_sign_in_at', 'banned_until', 'created_at', 'updated_at'].map(isoText).join(', ') +
  ', ' +
  FACTORS_COLUMN;

/** A user as the rotation statement returns it: PublicUserRow with its timestamps as text. */
export type RotatedUserRow = Omit<
  PublicUserRow,
  'email_confirmed_at' | 'last_sign_in_at' | 'banned_until' | 'created_at' | 'updated_at'
> & {
  email_confirmed_at: string | null;
  last_sign_in_at: string | null;
  banned_until: string | null;
  created_at: string;
  updated_at: string;
};

/** The email flows' columns of a user (issue #13), shown in its JSON. */
const EMAIL_FLOW_COLUMNS =
  'u.invited_at, u.confirmation_sent_at, u.recovery_sent_at, u.email_change, u.email_change_sent_at, u.reauthentication_sent_at';

/** The column list of a user, for statements that join users with something else. */
export const USER_COLUMNS =
  'u.id, u.aud, u.role, u.email, u.phone, u.encrypted_password, u.email_confirmed_at, u.last_sign_in_at, u.raw_app_meta_data, u.raw_user_meta_data, u.banned_until, u.is_anonymous, u.created_at, u.updated_at, ' +
  FACTORS_COLUMN +
  ', ' +
  EMAIL_FLOW_COLUMNS;

// Text in toISOString's own form (ROTATED_USER_COLUMNS) passes through; any other text is parsed.
const iso = (d: Timestamp | null) =>
  d === null ? null : typeof d === 'string' && d.length === 24 && d.endsWith('Z') ? d : new Date(d).toISOString();

export function appMetadata(row: Pick<PublicUserRow, 'raw_app_meta_data'>): Record<string, unknown> {
  return { provider: 'email', providers: ['email'], ...row.raw_app_meta_data };
}

/** The user object GoTrue returns (what supabase-js types as `User`). Never the password hash. */
export function userJson(row: PublicUserRow | RotatedUserRow): Record<string, unknown> {
  // The email identity only for users who signed up with an email (a provider-only user's
  // address came from its provider identity, which is listed instead).
  const providers = appMetadata(row).providers;
  const identity =
    row.email && (!Array.isArray(providers) || providers.includes('email'))
      ? [
          {
            identity_id: row.id,
            id: row.id,
            user_id: row.id,
            identity_data: { email: row.email, email_verified: row.email_confirmed_at !== null, phone_verified: false, sub: row.id },
            provider: 'email',
            last_sign_in_at: iso(row.last_sign_in_at),
            created_at: iso(row.created_at),
            updated_at: iso(row.updated_at),
            email: row.email,
          },
        ]
      : [];
  return {
    id: row.id,
    aud: row.aud,
    role: row.role,
    email: row.email ?? '',
    email_confirmed_at: iso(row.email_confirmed_at),
    phone: row.phone ?? '',
    confirmed_at: iso(row.email_confirmed_at),
    last_sign_in_at: iso(row.last_sign_in_at),
    app_metadata: appMetadata(row),
    user_metadata: row.raw_user_meta_data,
    identities: [...identity, ...(row.provider_identities ?? [])],
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    is_anonymous: row.is_anonymous,
    ...(row.banned_until ? { banned_until: iso(row.banned_until) } : {}),
    // GoTrue omits an empty list (`factors,omitempty`); supabase-js reads it for nextLevel.
    ...(row.factors && row.factors.length > 0 ? { factors: row.factors.map(factorJson) } : {}),
    ...emailFlowFields(row),
  };
}

/** GoTrue's fields about mailed actions, each only when set (as GoTrue omits them). */
function emailFlowFields(row: PublicUserRow | RotatedUserRow): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const key of [
    'invited_at',
    'confirmation_sent_at',
    'recovery_sent_at',
    'email_change_sent_at',
    'reauthentication_sent_at',
  ] as const) {
    if (row[key]) fields[key] = iso(row[key] as Timestamp);
  }
  if (row.email_change) fields.new_email = row.email_change;
  return fields;
}

export function isBanned(row: Pick<UserRow, 'banned_until'>, now: Date): boolean {
  return row.banned_until !== null && new Date(row.banned_until) > now;
}

export async function findUserByEmail(db: Queryable, email: string): Promise<UserRow | undefined> {
  const rows = await db.query<UserRow>('SELECT * FROM users WHERE email = $1', [email]);
  return rows[0];
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function findUserById(db: Queryable, id: string): Promise<UserRow | undefined> {
  // Not a UUID cannot be a user; asking Postgres would be a type error (a 500).
  if (!UUID.test(id)) return undefined;
  const rows = await db.query<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
  return rows[0];
}

export interface NewUser {
  email: string;
  passwordHash: string | null;
  userMetadata: Record<string, unknown>;
  appMetadata: Record<string, unknown>;
  role: string;
  emailConfirmed: boolean;
  bannedUntil: Date | null;
  now: Date;
}

/** A values list and its SQL for inserting a user; shared by sign-up (with a session) and admin. */
export function insertUserStatement(user: NewUser): { sql: string; params: unknown[] } {
  return {
    sql: `INSERT INTO users (id, email, encrypted_password, raw_user_meta_data, raw_app_meta_data, role, email_confirmed_at, banned_until, created_at, updated_at)
          VALUES ($1, $2, $3, $4::jsonb, $5::jsonb, $6, $7, $8, $9, $9)`,
    params: [
      randomUUID(),
      user.email,
      user.passwordHash,
      JSON.stringify(user.userMetadata),
      JSON.stringify(user.appMetadata),
      user.role,
      user.emailConfirmed ? user.now : null,
      user.bannedUntil,
      user.now,
    ],
  };
}

/** Maps the unique violation of two users with one email to the caller's coded error. */
export function onDuplicateEmail(code: ErrorCode) {
  return (error: unknown): never => {
    if ((error as { code?: string }).code === '23505') throw new LatchkeyError(code);
    throw error;
  };
}

export async function createUser(db: Queryable, user: NewUser, duplicate: ErrorCode): Promise<UserRow> {
  const { sql, params } = insertUserStatement(user);
  const rows = await db.query<UserRow>(`${sql} RETURNING *`, params).catch(onDuplicateEmail(duplicate));
  return rows[0] as UserRow;
}

export interface UserPatch {
  email?: string;
  passwordHash?: string;
  userMetadata?: Record<string, unknown>;
  appMetadata?: Record<string, unknown>;
  role?: string;
  emailConfirmed?: boolean;
  /** null lifts a ban. */
  bannedUntil?: Date | null;
}

/** Applies a patch; metadata patches merge top-level keys and a null value removes the key. */
export async function updateUser(db: Queryable, id: string, patch: UserPatch, now: Date): Promise<UserRow | undefined> {
  const sets: string[] = ['updated_at = $2'];
  const params: unknown[] = [id, now];
  const add = (column: string, value: unknown, cast = '') => {
    params.push(value);
    sets.push(`${column} = $${params.length}${cast}`);
  };
  if (patch.email !== undefined) add('email', patch.email);
  if (patch.passwordHash !== undefined) add('encrypted_password', patch.passwordHash);
  if (patch.role !== undefined) add('role', patch.role);
  if (patch.emailConfirmed !== undefined) add('email_confirmed_at', patch.emailConfirmed ? now : null);
  if (patch.bannedUntil !== undefined) add('banned_until', patch.bannedUntil);
  for (const [column, value] of [
    ['raw_user_meta_data', patch.userMetadata],
    ['raw_app_meta_data', patch.appMetadata],
  ] as const) {
    if (value === undefined) continue;
    const removed = Object.keys(value).filter((key) => value[key] === null);
    params.push(JSON.stringify(value), removed);
    // Merge top-level keys; a key set to null in the patch is removed (GoTrue's semantics).
    sets.push(`${column} = (${column} || $${params.length - 1}::jsonb) - $${params.length}::text[]`);
  }
  const rows = await db
    .query<UserRow>(`UPDATE users SET ${sets.join(', ')} WHERE id = $1 RETURNING *`, params)
    .catch(onDuplicateEmail('email_exists'));
  return rows[0];
}

export async function deleteUser(db: Queryable, id: string): Promise<UserRow | undefined> {
  if (!UUID.test(id)) return undefined;
  // Sessions go with the user (ON DELETE CASCADE): its refresh tokens and /user stop working.
  const rows = await db.query<UserRow>('DELETE FROM users WHERE id = $1 RETURNING *', [id]);
  return rows[0];
}

/** A column users may be listed by; only these names ever reach the ORDER BY clause. */
export const SORTABLE_USER_COLUMNS = ['created_at'] as const;

export interface UserSort {
  column: (typeof SORTABLE_USER_COLUMNS)[number];
  direction: 'asc' | 'desc';
}

export interface ListUsersOptions {
  page: number;
  perPage: number;
  /** Default: newest first, as GoTrue lists them. */
  sort?: readonly UserSort[];
  /** A substring of the email or of user_metadata.full_name (any case), GoTrue's `filter`. */
  filter?: string;
}

/** `%`, `_` and `\` match literally: the filter is a substring, not a LIKE pattern. */
const likeLiteral = (text: string) => `%${text.replace(/[\\%_]/g, '\\$&')}%`;

/**
 * GoTrue's `filter`: $1 (a LIKE pattern) in the email or the full name. Emails are stored
 * lower-cased; the full name is matched in any case (GoTrue's ILIKE). On Postgres with pg_trgm,
 * both sides are answered by trigram indexes (db/search-indexes.ts).
 */
export const USER_FILTER = "email LIKE lower($1) OR raw_user_meta_data->>'full_name' ILIKE $1";

export async function listUsers(db: Queryable, options: ListUsersOptions): Promise<{ users: UserRow[]; total: number }> {
  const sort = options.sort?.length ? options.sort : [{ column: 'created_at', direction: 'desc' } as const];
  // Identifiers cannot be bound parameters, so the clause is built only from the whitelist and
  // the two directions, whatever the request said; id breaks ties so pages never overlap.
  const order = sort
    .map(({ column, direction }) => {
      if (!SORTABLE_USER_COLUMNS.includes(column) || (direction !== 'asc' && direction !== 'desc')) throw new Error('bad sort');
      return `${column} ${direction}`;
    })
    .concat(`id ${sort[0]!.direction}`)
    .join(', ');
  const params: unknown[] = [];
  let where = '';
  if (options.filter) {
    params.push(likeLiteral(options.filter));
    where = `WHERE ${USER_FILTER}`;
  }
  // A BigInt product: page × per_page can pass 2^53 and must reach Postgres exactly (a bigint).
  const offset = String((BigInt(options.page) - 1n) * BigInt(options.perPage));
  const [users, count] = await Promise.all([
    db.query<UserRow>(`SELECT * FROM users ${where} ORDER BY ${order} LIMIT $${params.length + 1} OFFSET $${params.length + 2}`, [
      ...params,
      options.perPage,
      offset,
    ]),
    db.query<{ total: string | number }>(`SELECT count(*) AS total FROM users ${where}`, params),
  ]);
  return { users, total: Number(count[0]?.total ?? 0) };
}

/** The admin users API (GoTrue's /admin/users), authorized by the secret key. */
import { z } from 'zod';
import { assertStrongPassword, hashPassword } from '../crypto/password.js';
import { LatchkeyError } from '../errors.js';
import { emailField, metadataField, newPasswordField, route, storableText } from '../http/route.js';
import type { App } from '../app.js';
import { cursorTime, decodeCursor, encodeCursor } from '../http/cursor.js';
import { revokeUserSessions } from '../store/sessions.js';
import { searchUsers } from '../store/user-search.js';
import { withIdentities } from '../store/identities.js';
import {
  createUser,
  deleteUser,
  findUserById,
  listUsers,
  SORTABLE_USER_COLUMNS,
  updateUser,
  userJson,
  UUID,
  type UserSort,
} from '../store/users.js';

const MAX_BAN_MS = 876_000 * 3_600_000;
const UNIT_MS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses GoTrue's `ban_duration`: a Go duration ("24h", "1h30m") or "none" to lift a ban. */
export function parseBanDuration(value: string): number | null {
  if (value === 'none') return null;
  if (!/^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$/.test(value)) {
    throw new LatchkeyError('validation_failed', 'ban_duration: expected a duration like "24h" or "none"');
  }
  let ms = 0;
  for (const [, amount, , unit] of value.matchAll(/(\d+(\.\d+)?)(ns|us|µs|ms|s|m|h)/g))
    ms += Number(amount) * (UNIT_MS[unit as string] as number);
  // Past ~100 years a Date overflows Postgres' range (a 500); nobody means a longer ban.
  if (!(ms <= MAX_BAN_MS)) throw new LatchkeyError('validation_failed', 'ban_duration: at most 876000h (100 years)');
  return ms;
}

const userAttributes = {
  password: newPasswordField.optional(),
  user_metadata: metadataField.optional(),
  app_metadata: metadataField.optional(),
  email_confirm: z.boolean().optional(),
  role: z
    .string()
    .min(1)
    .max(64)
    .regex(/^[A-Za-z0-9_-]+$/, 'a role is letters, digits, _ and -')
    .optional(),
  ban_duration: z.string().max(64).optional(),
};

const idParam = (params: Record<string, string>) => params.id as string;

/**
 * GoTrue's `sort`: `<column>[ asc|desc]`, descending when no direction is given, only whitelisted
 * columns (GoTrue's: created_at); anything else is GoTrue's 400 "Bad Sort Parameters".
 */
export function parseUserSort(value: string): UserSort {
  return parseSort(value, SORTABLE_USER_COLUMNS);
}

/** `sort` against a whitelist of columns: only these names ever reach the statement. */
function parseSort<C extends string>(value: string, columns: readonly C[]): { column: C; direction: 'asc' | 'desc' } {
  const space = value.indexOf(' ');
  const column = space === -1 ? value : value.slice(0, space);
  if (!(columns as readonly string[]).includes(column))
    throw new LatchkeyError('validation_failed', `Bad Sort Parameters: bad field for sort '${column}'`);
  const direction = space === -1 ? 'desc' : value.slice(space + 1).toLowerCase();
  if (direction !== 'asc' && direction !== 'desc')
    throw new LatchkeyError(
      'validation_failed',
      `Bad Sort Parameters: bad direction for sort '${value.slice(space + 1)}', only 'asc' and 'desc' allowed`,
    );
  return { column: column as C, direction };
}

/** The keyset form's sort columns: GoTrue's, and email (the console's A→Z). */
const KEYSET_SORT_COLUMNS = ['created_at', 'email'] as const;

const pageNumber = z.coerce.number().int().min(1).max(Number.MAX_SAFE_INTEGER);

export const adminListUsers = route({
  method: 'GET',
  path: '/admin/users',
  auth: 'admin',
  summary:
    'List users, newest first (sort=created_at asc for oldest first), paged (page from 1, per_page up to 1000), filter: a substring of the email or full_name; X-Total-Count and Link headers as GoTrue sends them. With q= (a user id, or the start of an email) or cursor= (empty for the first page): keyset pages fast at any depth, sort=email [asc|desc] too, next_cursor in the body, no total.',
  query: z.object({
    page: z.union([z.literal(''), pageNumber]).optional(),
    per_page: z.union([z.literal(''), z.coerce.number().int().min(1).max(1000)]).optional(),
    sort: z.string().max(64).optional(),
    filter: storableText(z.string().max(256)).optional(),
    q: storableText(z.string().max(256)).optional(),
    cursor: z.string().max(2048).optional(),
  }),
  async handler({ app, query }) {
    // The console's form (q= or cursor=): keyset pages, no total (counting a million rows is the slow part).
    if (query.q !== undefined || query.cursor !== undefined) return keysetPage(app, query);
    const page = typeof query.page === 'number' ? query.page : 1;
    const perPage = typeof query.per_page === 'number' ? query.per_page : 50;
    const sort = query.sort === undefined ? undefined : [parseUserSort(query.sort)];
    const { users, total } = await listUsers(app.db, { page, perPage, sort, filter: query.filter || undefined });
    const last = Math.max(1, Math.ceil(total / perPage));
    // The links keep the request's sort and filter, so following them pages through the same list.
    const keep = new URLSearchParams();
    if (query.sort !== undefined) keep.set('sort', query.sort);
    if (query.filter) keep.set('filter', query.filter);
    const rest = keep.size > 0 ? `&${keep}` : '';
    const links: string[] = [];
    if (page < last) links.push(`</admin/users?page=${page + 1}&per_page=${perPage}${rest}>; rel="next"`);
    links.push(`</admin/users?page=${last}&per_page=${perPage}${rest}>; rel="last"`);
    return {
      body: { users: users.map(userJson), aud: 'authenticated' },
      headers: { 'x-total-count': String(total), link: links.join(', ') },
    };
  },
});

/** One page of the keyset listing (store/user-search.ts), with the cursor of the next. */
async function keysetPage(app: App, query: { q?: string; cursor?: string; sort?: string; per_page?: number | '' }) {
  const sort = parseSort(query.sort ?? 'created_at desc', KEYSET_SORT_COLUMNS);
  let after: { value: string; id: string } | undefined;
  if (query.cursor) {
    const [value, id] = decodeCursor(query.cursor, 2) as [string, string];
    if (!UUID.test(id)) throw new LatchkeyError('validation_failed', 'cursor: not a cursor this list gave out');
    if (sort.column === 'created_at') cursorTime(value);
    after = { value, id };
  }
  const { users, next } = await searchUsers(app.db, {
    q: query.q,
    sort: sort.column,
    direction: sort.direction,
    after,
    limit: typeof query.per_page === 'number' ? query.per_page : 50,
  });
  return {
    body: { users: users.map(userJson), aud: 'authenticated', next_cursor: next ? encodeCursor([next.value, next.id]) : null },
  };
}

export const adminCreateUser = route({
  method: 'POST',
  path: '/admin/users',
  auth: 'admin',
  summary: 'Create a user.',
  body: z.object({ email: emailField, ...userAttributes }),
  async handler({ app, body, request }) {
    if (body.password !== undefined) assertStrongPassword(body.password, app.config);
    const ban = body.ban_duration === undefined ? null : parseBanDuration(body.ban_duration);
    const user = await createUser(
      app.db,
      {
        email: body.email,
        passwordHash: body.password === undefined ? null : await hashPassword(body.password),
        userMetadata: body.user_metadata ?? {},
        appMetadata: body.app_metadata ?? {},
        role: body.role ?? 'authenticated',
        emailConfirmed: body.email_confirm ?? false,
        bannedUntil: ban === null ? null : new Date(request.now.getTime() + ban),
        now: request.now,
      },
      'email_exists',
    );
    await app.audit({ type: 'user_created', actor: 'admin', userId: user.id, ip: request.ip });
    return { body: userJson(user) };
  },
});

export const adminGetUser = route({
  method: 'GET',
  path: '/admin/users/:id',
  auth: 'admin',
  summary: 'One user.',
  async handler({ app, params }) {
    const user = await findUserById(app.db, idParam(params));
    if (!user) throw new LatchkeyError('user_not_found');
    // With its provider identities, as GoTrue's admin answer lists them.
    return { body: userJson(await withIdentities(app.db, user)) };
  },
});

export const adminUpdateUser = route({
  method: 'PUT',
  path: '/admin/users/:id',
  auth: 'admin',
  summary: 'Update a user; a ban (ban_duration) ends its sessions.',
  body: z.object({ email: emailField.optional(), ...userAttributes }),
  async handler({ app, params, body, request }) {
    const id = idParam(params);
    if (!(await findUserById(app.db, id))) throw new LatchkeyError('user_not_found');
    if (body.password !== undefined) assertStrongPassword(body.password, app.config);
    const ban = body.ban_duration === undefined ? undefined : parseBanDuration(body.ban_duration);
    const bannedUntil = ban === undefined ? undefined : ban === null ? null : new Date(request.now.getTime() + ban);
    const patch = {
      email: body.email,
      passwordHash: body.password === undefined ? undefined : await hashPassword(body.password),
      userMetadata: body.user_metadata,
      appMetadata: body.app_metadata,
      role: body.role,
      emailConfirmed: body.email_confirm,
      bannedUntil,
    };
    // One transaction: a ban and the end of the user's sessions land together or not at all.
    const user = await app.db.transaction(async (tx) => {
      const updated = await updateUser(tx, id, patch, request.now);
      if (updated && bannedUntil) await revokeUserSessions(tx, id, request.now, 'banned');
      return updated;
    });
    if (!user) throw new LatchkeyError('user_not_found');
    await app.audit({
      type: bannedUntil ? 'user_banned' : 'user_updated',
      actor: 'admin',
      userId: id,
      ip: request.ip,
      // Which fields changed, never their values (a password among them).
      data: { fields: Object.keys(body), ...(bannedUntil ? { banned_until: bannedUntil.toISOString() } : {}) },
    });
    return { body: userJson(user) };
  },
});

export const adminDeleteUser = route({
  method: 'DELETE',
  path: '/admin/users/:id',
  auth: 'admin',
  summary: 'Delete a user and end its sessions.',
  body: z.unknown(),
  async handler({ app, params, request }) {
    const user = await deleteUser(app.db, idParam(params));
    if (!user) throw new LatchkeyError('user_not_found');
    await app.audit({ type: 'user_deleted', actor: 'admin', userId: user.id, ip: request.ip, data: { email: user.email } });
    return { body: userJson(user) };
  },
});

/**
 * The console's user list: search by id or email prefix, sorted by creation time or email, paged
 * by keyset. Every shape of it is an index range scan (migration 7: users (created_at, id),
 * (coalesce(email, ''), id), (email text_pattern_ops)), so page 20,000 of a million users costs
 * what page 1 does — unlike OFFSET, which reads and discards every row before the page.
 */
import type { Queryable } from '../db/database.js';
import { UUID, type UserRow } from './users.js';

export type UserSearchSort = 'created_at' | 'email';

export interface UserSearch {
  /** A user id (exact), or the start of an email address (any case). */
  q?: string;
  sort: UserSearchSort;
  direction: 'asc' | 'desc';
  /** The last row of the previous page: its sort value and id. */
  after?: { value: string; id: string };
  limit: number;
}

/** `%`, `_` and `\` match literally: the search is a prefix, not a LIKE pattern. */
const likePrefix = (text: string) => `${text.replace(/[\\%_]/g, '\\$&')}%`;

/** The statement of one page (exported so a test can EXPLAIN it: every shape must be an index scan). */
export function userSearchStatement(search: UserSearch): { sql: string; params: unknown[] } {
  // The sort key as an expression the indexes match; only these two strings reach the SQL text.
  const key = search.sort === 'email' ? "coalesce(email, '')" : 'created_at';
  const dir = search.direction === 'asc' ? 'ASC' : 'DESC';
  const beyond = search.direction === 'asc' ? '>' : '<';
  const params: unknown[] = [];
  const where: string[] = [];
  const q = search.q?.trim();
  if (q) {
    if (UUID.test(q)) {
      params.push(q);
      where.push(`id = $${params.length}`);
    } else {
      // Emails are stored lower-cased: a prefix of one, lower-cased, matches by index.
      params.push(likePrefix(q.toLowerCase()));
      where.push(`email LIKE $${params.length}`);
    }
  }
  if (search.after) {
    params.push(search.sort === 'email' ? search.after.value : new Date(search.after.value), search.after.id);
    where.push(`(${key}, id) ${beyond} ($${params.length - 1}, $${params.length}::uuid)`);
  }
  params.push(search.limit + 1);
  return {
    sql: `SELECT * FROM users ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ${key} ${dir}, id ${dir} LIMIT $${params.length}`,
    params,
  };
}

export async function searchUsers(db: Queryable, search: UserSearch): Promise<{ users: UserRow[]; next?: { value: string; id: string } }> {
  const { sql, params } = userSearchStatement(search);
  const rows = await db.query<UserRow>(sql, params);
  const users = rows.slice(0, search.limit);
  const last = users.at(-1);
  const next =
    rows.length > search.limit && last
      ? { value: search.sort === 'email' ? (last.email ?? '') : new Date(last.created_at).toISOString(), id: last.id }
      : undefined;
  return { users, next };
}

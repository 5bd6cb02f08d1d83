/** Notes, per user: embedded PGlite by default, a Postgres server when NOTES_DATABASE_URL says so. */
import { randomUUID } from 'node:crypto';

export interface Note {
  id: string;
  user_id: string;
  text: string;
  created_at: string;
}

interface Db {
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

async function open(database: string): Promise<Db> {
  if (/^postgres(ql)?:\/\//.test(database)) {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: database, max: 4 });
    return { query: async (sql, params) => (await pool.query(sql, params)).rows, close: () => pool.end() };
  }
  const { PGlite } = await import('@electric-sql/pglite');
  const db = await PGlite.create(database === 'memory' ? undefined : database);
  return { query: async <T>(sql: string, params?: unknown[]) => (await db.query<T>(sql, params)).rows, close: () => db.close() };
}

export interface NotesStore {
  list(userId: string): Promise<Note[]>;
  add(userId: string, text: string): Promise<Note>;
  remove(userId: string, id: string): Promise<boolean>;
  close(): Promise<void>;
}

export async function openNotesStore(database: string): Promise<NotesStore> {
  const db = await open(database);
  await db.query(`CREATE TABLE IF NOT EXISTS notes (
    id uuid PRIMARY KEY, user_id uuid NOT NULL, text text NOT NULL, created_at timestamptz NOT NULL DEFAULT now())`);
  await db.query('CREATE INDEX IF NOT EXISTS notes_user_idx ON notes (user_id, created_at)');
  return {
    list: (userId) => db.query<Note>('SELECT * FROM notes WHERE user_id = $1 ORDER BY created_at', [userId]),
    async add(userId, text) {
      const rows = await db.query<Note>('INSERT INTO notes (id, user_id, text) VALUES ($1, $2, $3) RETURNING *', [
        randomUUID(),
        userId,
        text,
      ]);
      return rows[0] as Note;
    },
    async remove(userId, id) {
      // Scoped by owner: a user can delete only their own notes.
      const rows = await db.query('DELETE FROM notes WHERE id = $1 AND user_id = $2 RETURNING id', [id, userId]);
      return rows.length > 0;
    },
    close: () => db.close(),
  };
}

/**
 * Migration 3: emails stored before issue #12's canonical form are rewritten, so their owners
 * can still sign in (sign-in looks addresses up in canonical form). A row whose canonical form
 * another user holds is left alone: the unique index holds and neither account changes hands.
 */
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { migrate } from '../../src/db/migrate.js';
import { MIGRATIONS } from '../../src/db/migrations.js';
import { testDatabases } from '../../src/testing.js';
import { dropSchema } from '../../src/testing.js';
import { randomBytes, randomUUID } from 'node:crypto';

describe.each(testDatabases().map((d) => [d.startsWith('postgres') ? 'postgres' : 'pglite', d]))('migration 3 on %s', (_name, database) => {
  it('rewrites non-canonical stored emails, leaving collisions and invalid ones as they are', async () => {
    const schema = `lk_test_${randomBytes(6).toString('hex')}`;
    const db = await openDatabase({ database, schema });
    try {
      await migrate(
        db,
        MIGRATIONS.filter((m) => m.version < 3),
      );
      const stored = {
        decomposed: 'jose\u0301@example.com',
        upper: 'ÉLODIE@EXAMPLE.COM',
        unicodeDomain: 'ana@bücher.de',
        canonicalTwin: 'zoë@example.com',
        collidingTwin: 'zoe\u0308@example.com',
        plain: 'ada@example.com',
        invalid: 'xx:;x@x.x',
      };
      const ids: Record<string, string> = {};
      for (const [key, email] of Object.entries(stored)) {
        ids[key] = randomUUID();
        await db.query('INSERT INTO users (id, email, created_at, updated_at) VALUES ($1, $2, now(), now())', [ids[key], email]);
      }
      await migrate(db);
      const rows = await db.query<{ id: string; email: string }>('SELECT id, email FROM users');
      const byId = Object.fromEntries(rows.map((r) => [r.id, r.email]));
      expect(byId[ids.decomposed!]).toBe('jos\u00e9@example.com');
      expect(byId[ids.upper!]).toBe('élodie@example.com');
      expect(byId[ids.unicodeDomain!]).toBe('ana@xn--bcher-kva.de');
      expect(byId[ids.canonicalTwin!]).toBe('zoë@example.com');
      expect(byId[ids.collidingTwin!]).toBe('zoe\u0308@example.com');
      expect(byId[ids.plain!]).toBe('ada@example.com');
      expect(byId[ids.invalid!]).toBe('xx:;x@x.x');
    } finally {
      await db.close();
      if (database !== 'memory') await dropSchema(database, schema);
    }
  });
});

/** The Postgres store keeps the store contract, on a real Postgres, through a real pg Pool. */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isSsrError, postgresStore } from '../../../src/bff/index.js';
import { movableClock, record } from '../../support/records.js';
import { POSTGRES_URL, unique } from '../../support/services.js';
import { storeContract } from '../../support/store-contract.js';

const table = unique('lk_ssr_store');
let pool: pg.Pool;

beforeAll(() => {
  pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
});
afterAll(async () => {
  await pool.query(`DROP TABLE IF EXISTS ${table}`);
  await pool.end();
});

describe('postgresStore', () => {
  storeContract((clock) => postgresStore(pool, { table, clock }));

  it('keeps only the hash it is given as the key, and creates its table once even when processes race', async () => {
    const racing = unique('lk_ssr_race');
    try {
      const stores = Array.from({ length: 4 }, () => postgresStore(pool, { table: racing }));
      const clock = movableClock();
      await Promise.all(stores.map((store, i) => store.create(`key-${i}`, record(clock.now(), String(i)))));
      const { rows } = await pool.query(`SELECT key FROM ${racing} ORDER BY key`);
      expect(rows.map((r) => r.key)).toEqual(['key-0', 'key-1', 'key-2', 'key-3']);
    } finally {
      await pool.query(`DROP TABLE IF EXISTS ${racing}`);
    }
  });

  it('refuses a table name that is not an identifier, and reports a database failure as store_failed', async () => {
    expect(() => postgresStore(pool, { table: 'x; DROP TABLE users' })).toThrow(expect.objectContaining({ code: 'invalid_argument' }));
    const broken = postgresStore({ query: () => Promise.reject(new Error('connection refused')) });
    const error = await broken.get('k').catch((e: unknown) => e);
    expect(isSsrError(error, 'store_failed')).toBe(true);
  });
});

/**
 * encryptedStore: the store contract holds through it (memory and a real Postgres), the inner
 * store never sees a token, and a record that does not open reads as absent. End to end, a token
 * handler on an encrypted store signs in and refreshes against a real auth server.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encryptedStore, isSsrError, memoryStore, postgresStore, type SessionStore } from '../../../src/bff/index.js';
import { startAuthServer, type TestServer } from '../../support/auth-server.js';
import { appRequest, signedIn, spyStore } from '../../support/bff.js';
import { movableClock, record } from '../../support/records.js';
import { POSTGRES_URL, unique } from '../../support/services.js';
import { storeContract } from '../../support/store-contract.js';

const SECRET = 'a test secret of at least thirty-two characters';
const OTHER = 'another secret, also at least thirty-two characters';

describe('encryptedStore over memoryStore', () => {
  storeContract((clock) => encryptedStore(memoryStore({ clock }), { secret: SECRET }));
});

describe('encryptedStore over postgresStore', () => {
  const table = unique('lk_ssr_enc');
  let pool: pg.Pool;
  beforeAll(() => {
    pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
  });
  afterAll(async () => {
    await pool.query(`DROP TABLE IF EXISTS ${table}`);
    await pool.end();
  });
  storeContract((clock) => encryptedStore(postgresStore(pool, { table, clock }), { secret: SECRET }));

  it('the database row holds no token, only sealed values', async () => {
    const store = encryptedStore(postgresStore(pool, { table }), { secret: SECRET });
    await store.create('row-key', record(Date.now(), 'pg'));
    const { rows } = await pool.query(`SELECT record::text AS text FROM ${table} WHERE key = 'row-key'`);
    expect(rows[0].text).not.toContain('access-pg');
    expect(rows[0].text).not.toContain('refresh-pg');
    expect(rows[0].text).toMatch(/"refresh_token": ?"lk1\./);
  });
});

describe('encryptedStore', () => {
  const clock = movableClock();

  it('seals both tokens on create and update, with a fresh nonce each time, and opens them on get', async () => {
    const inner = spyStore(memoryStore());
    const store = encryptedStore(inner, { secret: SECRET });
    await store.create('k', record(clock.now(), 'x'));
    await store.update('k', record(clock.now(), 'x'), 1);
    for (const value of inner.values) {
      expect(value).not.toContain('access-x');
      expect(value).not.toContain('refresh-x');
    }
    const [first, second] = inner.values.map((v) => JSON.parse(v).session.refresh_token as string);
    expect(first).not.toBe(second); // same token, new nonce: equal tokens are not visible as such
    expect(await store.get('k')).toEqual({ record: record(clock.now(), 'x'), fence: 1 });
  });

  it('reads as absent what does not open: another secret, a tampered value, a value moved between sessions or fields, plaintext', async () => {
    const inner = memoryStore();
    const store = encryptedStore(inner, { secret: SECRET });
    await store.create('a', record(clock.now(), 'a'));
    await store.create('b', record(clock.now(), 'b'));
    expect(await encryptedStore(inner, { secret: OTHER }).get('a')).toBeNull();

    const sealed = (await inner.get('a'))!.record;
    const tamper = async (key: string, change: (r: typeof sealed) => void) => {
      const copy = structuredClone(sealed);
      change(copy);
      await inner.create(key, copy);
      return store.get(key);
    };
    const flip = (v: string) => v.slice(0, -2) + (v.at(-2) === 'A' ? 'B' : 'A') + v.at(-1);
    expect(await tamper('t1', (r) => void (r.session.refresh_token = flip(r.session.refresh_token)))).toBeNull();
    // Record a's sealed tokens stored under key b's slot do not open there (bound to the key).
    expect(await tamper('b', () => {})).toBeNull();
    // The access token's sealed value in the refresh token's place does not open (bound to the field).
    expect(await tamper('t2', (r) => void (r.session.refresh_token = r.session.access_token))).toBeNull();
    await inner.create('plain', record(clock.now(), 'plain'));
    expect(await store.get('plain')).toBeNull();
    // And the untouched record still opens.
    expect((await store.get('a'))!.record.session.refresh_token).toBe('refresh-a');
  });

  it('refuses a secret shorter than 32 characters or bytes', () => {
    const attempt = (secret: unknown) => {
      try {
        encryptedStore(memoryStore(), { secret } as { secret: string });
        return 'ok';
      } catch (error) {
        return isSsrError(error, 'invalid_argument') ? 'invalid_argument' : String(error);
      }
    };
    expect(attempt('short')).toBe('invalid_argument');
    expect(attempt(new Uint8Array(31))).toBe('invalid_argument');
    expect(attempt(undefined)).toBe('invalid_argument');
    expect(attempt(new Uint8Array(32))).toBe('ok');
  });
});

describe('a token handler on an encrypted store, against a real auth server', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startAuthServer();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('signs in and refreshes; no token ever reaches the inner store in the clear', async () => {
    const inner = spyStore(memoryStore());
    const store: SessionStore = encryptedStore(inner, { secret: SECRET });
    const { bff, browser } = await signedIn(server, { store });
    const first = (await bff.getAccessToken(appRequest(browser, '/api'))).data.accessToken!;
    server.clock.advance(61 * 60_000); // past the access token's expiry: the next call refreshes
    const second = (await bff.getAccessToken(appRequest(browser, '/api'))).data.accessToken!;
    expect(second).not.toBe(first);
    expect(inner.values.length).toBeGreaterThanOrEqual(2); // sign-in, then the refresh's update
    for (const value of inner.values) {
      const { session } = JSON.parse(value).record ?? JSON.parse(value);
      expect(session.access_token).toMatch(/^lk1\./);
      expect(session.refresh_token).toMatch(/^lk1\./);
      expect(value).not.toContain(first);
      expect(value).not.toContain(second);
    }
  });
});

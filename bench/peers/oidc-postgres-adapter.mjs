/**
 * A Postgres adapter for node-oidc-provider, written with the care Latchkey's own store gets, so
 * that in the refresh benchmark the database is not the difference:
 *
 *   - one table, `oidc_payloads (id, type, payload jsonb, grant_id, uid, user_code, expires_at,
 *     consumed_at)`, primary key (id, type), partial indexes for the secondary lookups;
 *   - every operation is one statement, a named prepared statement (parsed and planned once per
 *     connection), on a pg pool of the same size as Latchkey's;
 *   - upsert is INSERT … ON CONFLICT DO UPDATE; consume is one UPDATE; expiry is checked in SQL.
 *
 * The interface is node-oidc-provider's (lib/adapters/memory_adapter.js): find, findByUid,
 * findByUserCode, upsert, consume, destroy, revokeByGrantId; `find` returns the payload with
 * `consumed` set when the row was consumed.
 *
 *   const Adapter = await createPostgresAdapter({ pool });  new Provider(issuer, { adapter: Adapter })
 */

// Model names → a small integer; the primary key is (id, type) like the reference SQL adapters.
const TYPES = [
  'Session',
  'AccessToken',
  'AuthorizationCode',
  'RefreshToken',
  'DeviceCode',
  'ClientCredentials',
  'Client',
  'InitialAccessToken',
  'RegistrationAccessToken',
  'Interaction',
  'ReplayDetection',
  'PushedAuthorizationRequest',
  'Grant',
  'BackchannelAuthenticationRequest',
  'PreAuthorizedCode',
];
const typeOf = (name) => {
  const t = TYPES.indexOf(name);
  if (t < 0) throw new Error(`unknown oidc-provider model ${name}`);
  return t;
};

/** Creates the table (idempotent) and returns the adapter class bound to `pool`. */
export async function createPostgresAdapter({ pool }) {
  await pool.query(`
    CREATE TABLE IF NOT EXISTS oidc_payloads (
      id text NOT NULL,
      type smallint NOT NULL,
      payload jsonb NOT NULL,
      grant_id text,
      uid text,
      user_code text,
      expires_at timestamptz,
      consumed_at timestamptz,
      PRIMARY KEY (id, type)
    );
    CREATE INDEX IF NOT EXISTS oidc_payloads_grant_id ON oidc_payloads (grant_id) WHERE grant_id IS NOT NULL;
    CREATE INDEX IF NOT EXISTS oidc_payloads_uid ON oidc_payloads (uid) WHERE uid IS NOT NULL;
    CREATE INDEX IF NOT EXISTS oidc_payloads_user_code ON oidc_payloads (user_code) WHERE user_code IS NOT NULL;`);

  const q = (name, text, values) => pool.query({ name, text, values });
  // An expired row is not found (and is left for a periodic DELETE … WHERE expires_at < now()).
  const FOUND = '(expires_at IS NULL OR expires_at > now())';
  const fromRow = (row) => {
    if (!row) return undefined;
    const payload = row.payload;
    if (row.consumed_at) payload.consumed = Math.floor(row.consumed_at.getTime() / 1000);
    return payload;
  };

  return class PostgresAdapter {
    constructor(name) {
      this.name = name;
      this.type = typeOf(name);
    }

    async upsert(id, payload, expiresIn) {
      await q(
        'oidc_upsert',
        `INSERT INTO oidc_payloads (id, type, payload, grant_id, uid, user_code, expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, CASE WHEN $7::int IS NULL THEN NULL ELSE now() + make_interval(secs => $7::int) END)
         ON CONFLICT (id, type) DO UPDATE
           SET payload = EXCLUDED.payload, grant_id = EXCLUDED.grant_id, uid = EXCLUDED.uid,
               user_code = EXCLUDED.user_code, expires_at = EXCLUDED.expires_at`,
        [id, this.type, payload, payload.grantId ?? null, payload.uid ?? null, payload.userCode ?? null, expiresIn ?? null],
      );
    }

    async find(id) {
      const { rows } = await q('oidc_find', `SELECT payload, consumed_at FROM oidc_payloads WHERE id = $1 AND type = $2 AND ${FOUND}`, [
        id,
        this.type,
      ]);
      return fromRow(rows[0]);
    }

    async findByUid(uid) {
      const { rows } = await q(
        'oidc_find_uid',
        `SELECT payload, consumed_at FROM oidc_payloads WHERE uid = $1 AND type = $2 AND ${FOUND}`,
        [uid, this.type],
      );
      return fromRow(rows[0]);
    }

    async findByUserCode(userCode) {
      const { rows } = await q(
        'oidc_find_user_code',
        `SELECT payload, consumed_at FROM oidc_payloads WHERE user_code = $1 AND type = $2 AND ${FOUND}`,
        [userCode, this.type],
      );
      return fromRow(rows[0]);
    }

    async consume(id) {
      await q('oidc_consume', 'UPDATE oidc_payloads SET consumed_at = now() WHERE id = $1 AND type = $2', [id, this.type]);
    }

    async destroy(id) {
      await q('oidc_destroy', 'DELETE FROM oidc_payloads WHERE id = $1 AND type = $2', [id, this.type]);
    }

    async revokeByGrantId(grantId) {
      await q('oidc_revoke_grant', 'DELETE FROM oidc_payloads WHERE grant_id = $1', [grantId]);
    }
  };
}

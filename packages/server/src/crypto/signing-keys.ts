/**
 * Access-token signing keys and their lifecycle:
 *
 *   standby  published in the JWKS, not signing yet
 *   current  signs new access tokens (exactly one)
 *   previous published, no longer signing: tokens it signed stay verifiable until they expire
 *   retired  gone from the JWKS; its private key is erased
 *
 * A standby signs only after it has been published longer than verifiers cache the JWKS
 * (`publishDelaySeconds`), so a verifier with a cached JWKS never meets a kid it has not seen.
 * Private keys are stored encrypted (AES-256-GCM) under a key derived from the secret key, and
 * imported into `KeyObject`s once, never on the request path.
 */
import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import type { Database, Queryable } from '../db/database.js';
import { LatchkeyError } from '../errors.js';

export type SigningAlgorithm = 'ES256';
export type KeyState = 'standby' | 'current' | 'previous' | 'retired';

export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  privateKey: KeyObject;
  publicKey: KeyObject;
}

export interface PublicJwk {
  kty: string;
  crv?: string;
  x?: string;
  y?: string;
  kid: string;
  alg: string;
  use: 'sig';
  key_ops: ['verify'];
}

export interface KeyRing {
  /** The key that signs new access tokens. */
  current: SigningKey;
  /** Every key an access token may be verified with, by kid. */
  verifying: Map<string, { alg: SigningAlgorithm; publicKey: KeyObject }>;
  /** The JWKS document, ready to serve. */
  jwks: { keys: PublicJwk[] };
}

export interface KeyInfo {
  kid: string;
  alg: string;
  state: KeyState;
  created_at: string;
  state_since: string;
}

interface KeyRow {
  kid: string;
  alg: string;
  state: KeyState;
  public_jwk: PublicJwk;
  private_key: string;
  created_at: Date;
  state_since: Date;
}

/** RFC 7638 JWK thumbprint: a kid that names the key itself. */
function thumbprint(jwk: { crv?: string; kty: string; x?: string; y?: string }): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return createHash('sha256').update(canonical).digest('base64url');
}

/** AES-256-GCM, fresh 96-bit nonce per key: confidentiality and integrity of the stored key. */
function encrypt(key: Buffer, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), data.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

function decrypt(key: Buffer, stored: string, kid: string): string {
  const [version, iv, data, tag] = stored.split('.');
  if (version !== 'v1' || !iv || !data || !tag) throw new Error(`signing key ${kid} is stored in an unknown format`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new Error(`signing key ${kid} cannot be decrypted: it was stored under a different secret key (LATCHKEY_SECRET_KEY changed?)`);
  }
}

function rowFor(privateKey: KeyObject, state: KeyState, encryptionKey: Buffer) {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const kid = thumbprint(jwk as { kty: string });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return {
    kid,
    alg: 'ES256' as const,
    state,
    public_jwk: {
      kty: jwk.kty as string,
      crv: jwk.crv,
      x: jwk.x,
      y: jwk.y,
      kid,
      alg: 'ES256',
      use: 'sig',
      key_ops: ['verify'],
    } as PublicJwk,
    private_key: encrypt(encryptionKey, pem),
  };
}

async function insertKey(db: Queryable, row: ReturnType<typeof rowFor>, now: Date, onConflict = ''): Promise<void> {
  await db.query(
    `INSERT INTO signing_keys (kid, alg, state, public_jwk, private_key, created_at, state_since) VALUES ($1, $2, $3, $4::jsonb, $5, $6, $6) ${onConflict}`,
    [row.kid, row.alg, row.state, JSON.stringify(row.public_jwk), row.private_key, now],
  );
}

const generate = () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;

const SELECT_LIVE =
  "SELECT kid, alg, state, public_jwk, private_key, created_at, state_since FROM signing_keys WHERE state <> 'retired' ORDER BY created_at";

/** Imported keys by kid: a reload re-imports only keys it has not seen. */
const importedPublic = new Map<string, KeyObject>();

function buildRing(rows: KeyRow[], encryptionKey: Buffer, previous?: KeyRing): KeyRing {
  const currentRow = rows.find((r) => r.state === 'current');
  if (!currentRow) throw new Error('no current signing key');
  const verifying = new Map<string, { alg: SigningAlgorithm; publicKey: KeyObject }>();
  for (const row of rows) {
    let publicKey = importedPublic.get(row.kid);
    if (!publicKey) {
      publicKey = createPublicKey({ key: row.public_jwk as never, format: 'jwk' });
      importedPublic.set(row.kid, publicKey);
    }
    verifying.set(row.kid, { alg: row.alg as SigningAlgorithm, publicKey });
  }
  let current = previous?.current.kid === currentRow.kid ? previous.current : undefined;
  if (!current) {
    const privateKey = createPrivateKey(decrypt(encryptionKey, currentRow.private_key, currentRow.kid));
    current = { kid: currentRow.kid, alg: currentRow.alg as SigningAlgorithm, privateKey, publicKey: createPublicKey(privateKey) };
  }
  return { current, verifying, jwks: { keys: rows.map((r) => r.public_jwk) } };
}

/**
 * Loads the key ring; on a database without keys, generates the first current key and a standby
 * (published from the start, so the first rotation can happen without waiting). Processes
 * starting together race on unique indexes; the losers load the winner's keys.
 */
export async function loadKeyRing(db: Database, encryptionKey: Buffer, now: Date): Promise<KeyRing> {
  let rows = await db.query<KeyRow>(SELECT_LIVE);
  if (!rows.some((r) => r.state === 'current')) {
    // Under the advisory lock and in one transaction: processes starting together see either no
    // keys or both first keys, never the current key without its standby (their JWKS must agree).
    rows = await db.withLock('signing-keys', async (conn) => {
      const existing = await conn.query<KeyRow>(SELECT_LIVE);
      if (existing.some((r) => r.state === 'current')) return existing;
      await conn.transaction(async (tx) => {
        await insertKey(tx, rowFor(generate(), 'current', encryptionKey), now, 'ON CONFLICT DO NOTHING');
        await insertKey(tx, rowFor(generate(), 'standby', encryptionKey), now, 'ON CONFLICT DO NOTHING');
      });
      return conn.query<KeyRow>(SELECT_LIVE);
    });
  }
  return buildRing(rows, encryptionKey);
}

/** Re-reads key states (another process may have rotated); reuses imported keys. */
export async function reloadKeyRing(db: Queryable, encryptionKey: Buffer, ring: KeyRing): Promise<KeyRing> {
  return buildRing(await db.query<KeyRow>(SELECT_LIVE), encryptionKey, ring);
}

export async function listKeys(db: Queryable): Promise<KeyInfo[]> {
  const rows = await db.query<KeyRow>('SELECT kid, alg, state, created_at, state_since FROM signing_keys ORDER BY created_at');
  return rows.map((r) => ({
    kid: r.kid,
    alg: r.alg,
    state: r.state,
    created_at: new Date(r.created_at).toISOString(),
    state_since: new Date(r.state_since).toISOString(),
  }));
}

export interface RotateResult {
  /** The key that signs from now on (undefined when only a standby was created). */
  current?: string;
  previous?: string;
  /** The new standby, published now. */
  standby: string;
}

/**
 * Rotates: the standby starts signing, the current key becomes previous, a new standby is
 * published. Refuses (`key_not_ready`) while the standby has been published for less than
 * `publishDelaySeconds`, unless forced. Without a standby, creates one and changes nothing else.
 */
export async function rotateKeys(
  db: Database,
  encryptionKey: Buffer,
  now: Date,
  publishDelaySeconds: number,
  force: boolean,
): Promise<RotateResult> {
  return db.transaction(async (tx) => {
    // Row locks: two rotations at once serialize instead of both promoting.
    const rows = await tx.query<KeyRow>(
      "SELECT kid, state, state_since FROM signing_keys WHERE state IN ('standby', 'current') FOR UPDATE",
    );
    const standby = rows.find((r) => r.state === 'standby');
    const current = rows.find((r) => r.state === 'current');
    if (!standby) {
      const row = rowFor(generate(), 'standby', encryptionKey);
      await insertKey(tx, row, now);
      return { standby: row.kid };
    }
    const publishedFor = (now.getTime() - new Date(standby.state_since).getTime()) / 1000;
    if (publishedFor < publishDelaySeconds && !force) {
      const at = new Date(new Date(standby.state_since).getTime() + publishDelaySeconds * 1000).toISOString();
      throw new LatchkeyError(
        'key_not_ready',
        `Standby key ${standby.kid} has been published for ${Math.floor(publishedFor)}s; verifiers may cache the JWKS for up to ${publishDelaySeconds}s. Rotate at or after ${at}, or force it.`,
      );
    }
    if (current) await tx.query("UPDATE signing_keys SET state = 'previous', state_since = $2 WHERE kid = $1", [current.kid, now]);
    await tx.query("UPDATE signing_keys SET state = 'current', state_since = $2 WHERE kid = $1", [standby.kid, now]);
    const next = rowFor(generate(), 'standby', encryptionKey);
    await insertKey(tx, next, now);
    return { current: standby.kid, previous: current?.kid, standby: next.kid };
  });
}

/**
 * Retires a previous key: gone from the JWKS, private key erased. Refuses while tokens it signed
 * may still be unexpired (`tokenLifetimeSeconds` since it stopped signing), unless forced.
 */
export async function retireKey(db: Queryable, kid: string, now: Date, tokenLifetimeSeconds: number, force: boolean): Promise<void> {
  // A kid is a base64url SHA-256 thumbprint; anything else (a NUL from `%00` in the path, which
  // Postgres text cannot hold: a 500) names no key, and the database need not be asked.
  if (!/^[A-Za-z0-9_-]{43}$/.test(kid)) throw new LatchkeyError('key_not_found', 'No live signing key with that kid.');
  const rows = await db.query<KeyRow>('SELECT kid, state, state_since FROM signing_keys WHERE kid = $1', [kid]);
  const row = rows[0];
  if (!row || row.state === 'retired') throw new LatchkeyError('key_not_found', `No live signing key ${kid}.`);
  if (row.state !== 'previous')
    throw new LatchkeyError('key_not_ready', `Key ${kid} is ${row.state}; only a previous key can be retired (rotate first).`);
  const since = (now.getTime() - new Date(row.state_since).getTime()) / 1000;
  if (since < tokenLifetimeSeconds && !force) {
    throw new LatchkeyError(
      'key_not_ready',
      `Access tokens signed by ${kid} may be valid for another ${Math.ceil(tokenLifetimeSeconds - since)}s; retire it after that, or force it.`,
    );
  }
  // Erase the private key: a retired key must never sign again.
  await db.query("UPDATE signing_keys SET state = 'retired', state_since = $2, private_key = '' WHERE kid = $1 AND state = 'previous'", [
    kid,
    now,
  ]);
}

/**
 * Imports a P-256 private key (PKCS#8/SEC1 PEM, or a JWK as JSON) as the new standby, replacing
 * an existing standby (which never signed).
 */
export async function importKey(db: Database, encryptionKey: Buffer, material: string, now: Date): Promise<string> {
  let privateKey: KeyObject;
  try {
    const text = material.trim();
    privateKey = text.startsWith('{') ? createPrivateKey({ key: JSON.parse(text), format: 'jwk' }) : createPrivateKey(text);
  } catch {
    throw new LatchkeyError('invalid_key');
  }
  if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new LatchkeyError('invalid_key');
  const row = rowFor(privateKey, 'standby', encryptionKey);
  await db.transaction(async (tx) => {
    const existing = await tx.query<{ state: string }>('SELECT state FROM signing_keys WHERE kid = $1', [row.kid]);
    if (existing[0]) throw new LatchkeyError('key_not_ready', `Key ${row.kid} is already known (${existing[0].state}).`);
    await tx.query("UPDATE signing_keys SET state = 'retired', state_since = $1, private_key = '' WHERE state = 'standby'", [now]);
    await insertKey(tx, row, now);
  });
  return row.kid;
}

/**
 * Access-token signing keys: generated on first start (ES256), stored encrypted, published in
 * the JWKS. Keys are imported once at start, never on the request path.
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
import type { Database } from '../db/database.js';

export type SigningAlgorithm = 'ES256';

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

interface KeyRow {
  kid: string;
  alg: string;
  state: string;
  public_jwk: PublicJwk;
  private_key: string;
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

function generate(encryptionKey: Buffer): KeyRow {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const jwk = publicKey.export({ format: 'jwk' });
  const kid = thumbprint(jwk as { kty: string });
  const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
  return {
    kid,
    alg: 'ES256',
    state: 'current',
    public_jwk: { kty: jwk.kty as string, crv: jwk.crv, x: jwk.x, y: jwk.y, kid, alg: 'ES256', use: 'sig', key_ops: ['verify'] },
    private_key: encrypt(encryptionKey, pem),
  };
}

/**
 * Loads the key ring, generating the first signing key when the database has none. Processes
 * starting together race on a unique index; the losers load the winner's key.
 */
export async function loadKeyRing(db: Database, encryptionKey: Buffer, now: Date): Promise<KeyRing> {
  const select = () =>
    db.query<KeyRow>("SELECT kid, alg, state, public_jwk, private_key FROM signing_keys WHERE state <> 'retired' ORDER BY created_at");
  let rows = await select();
  if (!rows.some((r) => r.state === 'current')) {
    const row = generate(encryptionKey);
    await db.query(
      'INSERT INTO signing_keys (kid, alg, state, public_jwk, private_key, created_at) VALUES ($1, $2, $3, $4::jsonb, $5, $6) ON CONFLICT DO NOTHING',
      [row.kid, row.alg, row.state, JSON.stringify(row.public_jwk), row.private_key, now],
    );
    rows = await select();
  }
  const currentRow = rows.find((r) => r.state === 'current');
  if (!currentRow) throw new Error('no current signing key after generating one');

  const verifying = new Map<string, { alg: SigningAlgorithm; publicKey: KeyObject }>();
  for (const row of rows) {
    verifying.set(row.kid, {
      alg: row.alg as SigningAlgorithm,
      publicKey: createPublicKey({ key: row.public_jwk as never, format: 'jwk' }),
    });
  }
  const privateKey = createPrivateKey(decrypt(encryptionKey, currentRow.private_key, currentRow.kid));
  return {
    current: { kid: currentRow.kid, alg: currentRow.alg as SigningAlgorithm, privateKey, publicKey: createPublicKey(privateKey) },
    verifying,
    jwks: { keys: rows.map((r) => r.public_jwk) },
  };
}

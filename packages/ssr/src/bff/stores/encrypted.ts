/**
 * Encryption at rest for any token-handler store: the access and refresh tokens of a record are
 * sealed with AES-256-GCM before the store sees them, so a leaked store (a dump, a replica, a
 * backup) holds no usable token. Web Crypto only, like the rest of the package.
 */
import { SsrError } from '../../errors.js';
import { base64url } from '../../lib/hash.js';
import type { SessionRecord, StoredRecord } from '../record.js';
import type { SessionStore } from './types.js';

export interface EncryptedStoreOptions {
  /**
   * The secret the record key is derived from: at least 32 characters (a string) or 32 bytes.
   * Keep it outside the store (an environment variable, a secrets manager); losing it signs
   * every BFF session out, changing it too.
   */
  secret: string | Uint8Array;
}

// Sealed values look like this, so a plaintext record (written before encryption was turned on)
// is told apart from a sealed one, and a future format can be versioned.
const PREFIX = 'lk1.';
const SEALED_FIELDS = ['access_token', 'refresh_token'] as const;

function fromBase64url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0));
}

async function recordKey(secret: string | Uint8Array): Promise<CryptoKey> {
  // A copy: the caller's buffer may change later (or be shared memory, which Web Crypto refuses).
  const bytes = typeof secret === 'string' ? new TextEncoder().encode(secret) : new Uint8Array(secret);
  const material = await crypto.subtle.importKey('raw', bytes, 'HKDF', false, ['deriveKey']);
  // HKDF with a fixed purpose label: the same secret used elsewhere yields an unrelated key here.
  return crypto.subtle.deriveKey(
    { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: new TextEncoder().encode('latchkey-ssr bff record v1') },
    material,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

/**
 * Wraps a store so the tokens in its records are encrypted (AES-256-GCM, a fresh 96-bit nonce per
 * value). Each value is bound to its store key and field: a sealed token copied into another
 * session's record, or into the other field, does not open. A record that does not open (wrong
 * secret, tampered, or written without encryption) reads as absent: that session must sign in
 * again, which is the safe answer.
 *
 * @example
 * const bff = createTokenHandler({
 *   authUrl,
 *   store: encryptedStore(redisStore(redis), { secret: process.env.BFF_RECORD_SECRET! }),
 *   lock: redisLock(redis),
 * });
 */
export function encryptedStore(store: SessionStore, options: EncryptedStoreOptions): SessionStore {
  const { secret } = options ?? ({} as EncryptedStoreOptions);
  const length = typeof secret === 'string' ? secret.length : secret instanceof Uint8Array ? secret.byteLength : 0;
  // 32 characters or bytes at least: a short secret would be the weakest link of the record key.
  if (length < 32) throw new SsrError('invalid_argument', 'encryptedStore needs a `secret` of at least 32 characters or bytes.');
  const key = recordKey(secret);
  key.catch(() => {}); // surfaced where it is awaited (every get/create/update), never unhandled
  const aad = (storeKey: string, field: string) => new TextEncoder().encode(`${storeKey}\u0000${field}`);

  async function seal(storeKey: string, field: string, value: string): Promise<string> {
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: aad(storeKey, field) },
      await key,
      new TextEncoder().encode(value),
    );
    return `${PREFIX}${base64url(iv)}.${base64url(new Uint8Array(sealed))}`;
  }

  async function open(storeKey: string, field: string, value: string): Promise<string | null> {
    if (!value.startsWith(PREFIX)) return null;
    const [iv, sealed] = value.slice(PREFIX.length).split('.');
    if (!iv || !sealed) return null;
    try {
      const plain = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: fromBase64url(iv), additionalData: aad(storeKey, field) },
        await key,
        fromBase64url(sealed),
      );
      return new TextDecoder().decode(plain);
    } catch {
      return null; // wrong secret, tampered, or moved from another record
    }
  }

  async function sealRecord(storeKey: string, record: SessionRecord): Promise<SessionRecord> {
    const session = { ...record.session };
    for (const field of SEALED_FIELDS) session[field] = await seal(storeKey, field, record.session[field]);
    return { ...record, session };
  }

  return {
    async get(storeKey) {
      const stored = await store.get(storeKey);
      if (!stored) return null;
      const session = { ...stored.record.session };
      for (const field of SEALED_FIELDS) {
        const plain = await open(storeKey, field, stored.record.session[field]);
        if (plain === null) return null;
        session[field] = plain;
      }
      return { record: { ...stored.record, session }, fence: stored.fence } satisfies StoredRecord;
    },
    async create(storeKey, record) {
      await store.create(storeKey, await sealRecord(storeKey, record));
    },
    async update(storeKey, record, fence) {
      return store.update(storeKey, await sealRecord(storeKey, record), fence);
    },
    delete: (storeKey, fence) => store.delete(storeKey, fence),
  };
}

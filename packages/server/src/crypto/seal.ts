/**
 * Authenticated encryption for values the database must keep but should not be able to read on
 * its own: AES-256-GCM under a key derived from the secret key, a fresh 96-bit nonce per value
 * (random nonces are safe far beyond the number of values Latchkey will ever seal: NIST SP
 * 800-38D §8.3 allows 2^32 per key). A dump of the database without LATCHKEY_SECRET_KEY reveals
 * nothing sealed, and a sealed value moved to another row or altered fails to open (the row's id is
 * the associated data).
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

export function seal(key: Buffer, plaintext: string, associated: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associated, 'utf8'));
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), data.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/** The plaintext, or undefined when the value was sealed under another key, for another row, or altered. */
export function unseal(key: Buffer, sealed: string, associated: string): string | undefined {
  const [version, iv, data, tag] = sealed.split('.');
  if (version !== 'v1' || !iv || data === undefined || !tag) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(associated, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

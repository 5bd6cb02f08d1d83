import { hkdfSync } from 'node:crypto';

/**
 * Derives an independent 256-bit key for one purpose from the secret key (HKDF-SHA256, RFC 5869).
 * Distinct `purpose` labels give unrelated keys, so no key is ever used for two jobs.
 */
export type KeyPurpose =
  'refresh-token-mac' | 'signing-key-encryption' | 'totp-secret-encryption' | 'one-time-code-mac' | 'mail-encryption' | 'oauth-state-mac' | 'console-csrf-mac';

export function deriveKey(secretKey: string, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', secretKey, 'latchkey', `latchkey/${purpose}/v1`, 32));
}

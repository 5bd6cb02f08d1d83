/** TOTP codes computed in the test from the secret the page shows, as an authenticator app would (RFC 6238). */
import { createHmac } from 'node:crypto';

const STEP_MS = 30_000;

/** The 30-second step `ms` falls in. */
export const stepOf = (ms: number) => Math.floor(ms / STEP_MS);

/** RFC 6238 with HMAC-SHA-1, 6 digits, for time step `step`, from a base32 secret (spaces allowed). */
export function totpAt(secret: string, step: number): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of secret.replace(/[\s=]+/g, '').toUpperCase()) {
    const value = alphabet.indexOf(c);
    if (value < 0) throw new Error(`the secret is not base32: ${c}`);
    bits += value.toString(2).padStart(5, '0');
  }
  const key = Buffer.from(bits.match(/.{8}/g)!.map((byte) => parseInt(byte, 2)));
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const mac = createHmac('sha1', key).update(counter).digest();
  // RFC 4226 §5.3: dynamic truncation.
  return String((mac.readUInt32BE(mac[mac.length - 1]! & 0xf) & 0x7fffffff) % 1_000_000).padStart(6, '0');
}

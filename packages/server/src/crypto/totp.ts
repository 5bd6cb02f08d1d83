/**
 * TOTP (RFC 6238) secrets and codes: generated here, sealed at rest here, checked here.
 *
 * The algorithm is the one every authenticator app implements (SHA-1, 6 digits, 30-second
 * steps: RFC 6238's defaults and GoTrue's), computed by `otpauth`. A secret is stored sealed
 * with AES-256-GCM under a key derived from the secret key, with the factor's id as associated
 * data, so a database dump alone reveals no secret and a sealed secret copied onto another
 * factor's row does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';
import { renderSVG } from 'uqr';

const PERIOD = 30;
const DIGITS = 6;
// RFC 6238 §5.2 recommends at most one step of network delay and clock drift either way:
// a code from the previous, current or next 30-second window is accepted (GoTrue's skew 1).
const SKEW_STEPS = 1;

/**
 * A new TOTP secret, base32 as authenticator apps take it. 160 bits, RFC 4226 §4's
 * recommended length (and the HMAC-SHA-1 block it feeds): guessing it is out of the question;
 * guessing *codes* is what the per-factor rate limit bounds.
 */
export function generateTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

function totp(secret: string, issuer = '', label = ''): TOTP {
  return new TOTP({ issuer, label, algorithm: 'SHA1', digits: DIGITS, period: PERIOD, secret: Secret.fromBase32(secret) });
}

/** The `otpauth://totp/…` URI an authenticator app enrols from (the QR code's content). */
export function totpUri(secret: string, issuer: string, accountName: string): string {
  return totp(secret, issuer, accountName).toString();
}

/**
 * The QR code of an `otpauth://` URI as an SVG document, sent raw as GoTrue does (supabase-js
 * turns it into a `data:image/svg+xml` URI; the markup holds no `#`, which would end one).
 */
export function totpQrCode(uri: string): string {
  const svg = renderSVG(uri, { ecc: 'M', pixelSize: 4, border: 2 });
  // An intrinsic size (as GoTrue's has), so an <img> of it is not stretched to its container.
  const size = /viewBox="0 0 (\d+) \d+"/.exec(svg)?.[1];
  return size ? svg.replace('<svg ', `<svg width="${size}" height="${size}" `) : svg;
}

/** The RFC 6238 time step (counter) of a moment. */
export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / PERIOD);
}

/**
 * The time step whose code `code` is, within one step of `nowMs`, or undefined when it is
 * none of them. The caller accepts the code only if it can move the factor's last used step
 * forward to this one (single use: store/factors.ts), which also refuses a code older than one
 * already used.
 */
export function matchTotpCode(secret: string, code: string, nowMs: number): number | undefined {
  if (!/^\d{6}$/.test(code)) return undefined;
  // otpauth compares every candidate in constant time, so timing tells nothing about the code.
  const delta = totp(secret).validate({ token: code, timestamp: nowMs, window: SKEW_STEPS });
  return delta === null ? undefined : totpStep(nowMs) + delta;
}

/** The code of a moment (tests, and the CLI's diagnostics). */
export function totpCode(secret: string, nowMs: number): string {
  return totp(secret).generate({ timestamp: nowMs });
}

/**
 * Seals a TOTP secret for the database: AES-256-GCM, a fresh 96-bit nonce per seal, the factor
 * id as associated data (the ciphertext only opens on its own row).
 */
export function sealTotpSecret(key: Buffer, factorId: string, secret: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(factorId, 'utf8'));
  const data = Buffer.concat([cipher.update(secret, 'utf8'), cipher.final()]);
  return ['v1', iv.toString('base64url'), data.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/** Opens a sealed TOTP secret; throws when it was sealed for another factor or under another key. */
export function openTotpSecret(key: Buffer, factorId: string, sealed: string): string {
  const [version, iv, data, tag] = sealed.split('.');
  if (version !== 'v1' || !iv || !data || !tag) throw new Error(`the TOTP secret of factor ${factorId} is stored in an unknown format`);
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
    decipher.setAAD(Buffer.from(factorId, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(data, 'base64url')), decipher.final()]).toString('utf8');
  } catch {
    throw new Error(
      `the TOTP secret of factor ${factorId} cannot be opened: sealed under another secret key (LATCHKEY_SECRET_KEY changed?)`,
    );
  }
}

/**
 * Access tokens: compact JWS (RFC 7515) signed with the current ES256 key, verified against the
 * key ring. node:crypto directly, keys imported once: signing is one ECDSA operation.
 */
import { sign, verify } from 'node:crypto';
import { LatchkeyError } from '../errors.js';
import type { KeyRing, SigningKey } from './signing-keys.js';

export interface AccessTokenClaims {
  iss: string;
  sub: string;
  aud: string;
  exp: number;
  iat: number;
  email: string;
  phone: string;
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  role: string;
  aal: string;
  amr: Array<{ method: string; timestamp: number }>;
  session_id: string;
  is_anonymous: boolean;
}

const headerCache = new WeakMap<SigningKey, string>();

function encodedHeader(key: SigningKey): string {
  let header = headerCache.get(key);
  if (!header) {
    header = Buffer.from(JSON.stringify({ alg: key.alg, kid: key.kid, typ: 'JWT' })).toString('base64url');
    headerCache.set(key, header);
  }
  return header;
}

export function signAccessToken(key: SigningKey, claims: AccessTokenClaims): string {
  const input = `${encodedHeader(key)}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  // ieee-p1363: the raw r‖s signature JWS requires for ES256 (RFC 7518 §3.4), not DER.
  const signature = sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

export interface VerifyOptions {
  issuer: string;
  audience: string;
  /** Now, in seconds since the epoch. */
  now: number;
}

const bad = (message: string) => new LatchkeyError('bad_jwt', `invalid JWT: ${message}`);

/**
 * Verifies an access token issued by this server and returns its claims; throws `bad_jwt`.
 * The algorithm comes from our key, never from the token: `alg: none`, HS256 keyed with the
 * public key, or a foreign key reusing our kid cannot pass.
 */
export function verifyAccessToken(ring: KeyRing, token: string, options: VerifyOptions): AccessTokenClaims {
  const parts = token.split('.');
  if (parts.length !== 3) throw bad('unable to parse or verify signature, token is malformed');
  const [h, p, s] = parts as [string, string, string];
  let header: { alg?: unknown; kid?: unknown };
  let claims: Partial<AccessTokenClaims>;
  try {
    header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8'));
    claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  } catch {
    throw bad('unable to parse or verify signature, token is malformed');
  }
  if (typeof header !== 'object' || header === null || typeof claims !== 'object' || claims === null) {
    throw bad('unable to parse or verify signature, token is malformed');
  }
  const key = typeof header.kid === 'string' ? ring.verifying.get(header.kid) : undefined;
  // The token's alg must equal the key's: the allow-list is the key ring itself.
  if (!key || header.alg !== key.alg) throw bad('unable to parse or verify signature, signing method or key is not accepted');
  const ok = verify('sha256', Buffer.from(`${h}.${p}`), { key: key.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(s, 'base64url'));
  if (!ok) throw bad('unable to parse or verify signature, signature is invalid');
  if (typeof claims.exp !== 'number' || claims.exp <= options.now) throw bad('token has expired');
  if (claims.iss !== options.issuer) throw bad('wrong issuer');
  if (claims.aud !== options.audience) throw bad('wrong audience');
  if (typeof claims.sub !== 'string' || typeof claims.session_id !== 'string') throw bad('token is not an access token');
  return claims as AccessTokenClaims;
}

/**
 * Importing public keys (JWK or KeyObject) into the form the request path uses: a KeyObject
 * imported once, with one prepared signature check per algorithm the key can verify.
 */
import { createHash, createPublicKey, KeyObject } from 'node:crypto';
import { algorithmsForKey, signatureCheck, type Algorithm, type SignatureCheck } from './algorithms.js';

/** A JSON Web Key (RFC 7517), public members only are read. */
export interface Jwk {
  kty: string;
  kid?: string;
  alg?: string;
  use?: string;
  key_ops?: string[];
  crv?: string;
  x?: string;
  y?: string;
  n?: string;
  e?: string;
  [member: string]: unknown;
}

/** One verification key, ready for the request path. */
export interface KeyEntry {
  readonly kid: string;
  /** RFC 7638 thumbprint: identifies the key material across JWKS refreshes. */
  readonly thumbprint: string;
  readonly key: KeyObject;
  /** The algorithms this key verifies, each with its prepared check. */
  readonly checks: ReadonlyMap<Algorithm, SignatureCheck>;
}

// RFC 7638 §3.2: the required public members of each key type, in lexicographic order.
const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = {
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
};

/** The public members of an asymmetric JWK, or undefined for any other key (e.g. `oct`). */
function publicMembers(jwk: Jwk): Record<string, string> | undefined {
  const members = THUMBPRINT_MEMBERS[jwk.kty];
  if (!members) return undefined;
  const out: Record<string, string> = {};
  for (const name of members) {
    const value = jwk[name];
    if (typeof value !== 'string' || value === '') return undefined;
    out[name] = value;
  }
  return out;
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url): the kid Latchkey gives its keys. */
export function jwkThumbprint(jwk: Jwk): string | undefined {
  const members = publicMembers(jwk);
  // JSON.stringify keeps insertion order, which publicMembers made lexicographic (RFC 7638 §3.3).
  return members && createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

/** Why a key cannot be used; undefined when it can. Never mentions key material. */
export type KeyProblem = string;

/**
 * Imports one JWK from a JWKS or from options. Returns the reason it cannot verify tokens
 * instead of an entry for: symmetric keys (a verifier never holds a shared secret, so HMAC with
 * a public key is impossible), keys for another use, and keys too weak or of an unknown type.
 */
export function importJwk(jwk: Jwk, previous?: KeyEntry): KeyEntry | KeyProblem {
  if (typeof jwk !== 'object' || jwk === null || typeof jwk.kty !== 'string') return 'not a JWK';
  if (jwk.kty === 'oct') return 'a symmetric (oct) key cannot verify access tokens';
  if (jwk.use !== undefined && jwk.use !== 'sig') return `use is "${String(jwk.use)}", not "sig"`;
  if (jwk.key_ops !== undefined && !(Array.isArray(jwk.key_ops) && jwk.key_ops.includes('verify')))
    return 'key_ops does not include "verify"';
  const members = publicMembers(jwk);
  const thumbprint = jwkThumbprint(jwk);
  if (!members || !thumbprint) return `unsupported key type "${jwk.kty}" or missing public members`;
  const kid = typeof jwk.kid === 'string' && jwk.kid !== '' ? jwk.kid : thumbprint;
  const only = typeof jwk.alg === 'string' ? jwk.alg : undefined;
  // Same kid, same key material, same alg constraint: reuse the imported key (and its checks).
  if (previous && previous.kid === kid && previous.thumbprint === thumbprint && sameAlgorithms(previous, only)) return previous;
  let key: KeyObject;
  try {
    // Only the public members are imported: a JWK carrying a private part ("d") stays public here.
    key = createPublicKey({ key: members, format: 'jwk' });
  } catch {
    return 'the key material is invalid';
  }
  return entryFor(key, kid, thumbprint, only);
}

function sameAlgorithms(entry: KeyEntry, only: string | undefined): boolean {
  return only === undefined ? true : entry.checks.size === 1 && entry.checks.has(only as Algorithm);
}

function entryFor(key: KeyObject, kid: string, thumbprint: string, only: string | undefined): KeyEntry | KeyProblem {
  // The key's type decides what it may verify; a JWK "alg" can only narrow that (RFC 7517 §4.4).
  const algs = algorithmsForKey(key).filter((alg) => only === undefined || alg === only);
  if (algs.length === 0) {
    return only === undefined
      ? 'the key type or size cannot verify any supported algorithm'
      : `the key cannot verify its own alg "${only}"`;
  }
  return { kid, thumbprint, key, checks: new Map(algs.map((alg) => [alg, signatureCheck(alg, key)])) };
}

/** Imports a KeyObject given in options; its kid is its RFC 7638 thumbprint, as Latchkey's are. */
export function importKeyObject(input: KeyObject): KeyEntry | KeyProblem {
  if (!(input instanceof KeyObject)) return 'not a KeyObject';
  if (input.type === 'secret') return 'a secret (symmetric) KeyObject cannot verify access tokens';
  // A private key is reduced to its public half: verification never needs more.
  const key = input.type === 'private' ? createPublicKey(input) : input;
  const thumbprint = jwkThumbprint(key.export({ format: 'jwk' }) as Jwk);
  if (!thumbprint) return 'the key type cannot verify any supported algorithm';
  return entryFor(key, thumbprint, thumbprint, undefined);
}

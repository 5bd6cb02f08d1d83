/**
 * The JWS algorithms a verifier can accept (RFC 7518 §3, RFC 8037 §3.1): asymmetric ones only,
 * and for each the key type it needs and how node:crypto checks it.
 *
 * There is no HMAC entry and no `none` entry, so no option, token header or JWKS content can make
 * this package check an HMAC or skip the signature: the table is the allow-list's upper bound.
 */
import { constants, verify, type KeyObject, type VerifyKeyObjectInput, type VerifyPublicKeyInput } from 'node:crypto';

export type Algorithm = 'ES256' | 'ES384' | 'ES512' | 'RS256' | 'RS384' | 'RS512' | 'PS256' | 'PS384' | 'PS512' | 'EdDSA';

interface AlgorithmSpec {
  /** Digest node:crypto applies (null: the key type fixes it, as for Ed25519). */
  hash: string | null;
  /** `asymmetricKeyType`s of a key that may verify this algorithm. */
  keyTypes: readonly string[];
  /** For ECDSA: the curve (OpenSSL name) the key must be on. */
  curve?: string;
  /** For ECDSA: the exact signature length, r‖s (RFC 7518 §3.4). */
  signatureLength?: number;
  /** How the key is handed to crypto.verify. */
  input(key: KeyObject): KeyObject | VerifyKeyObjectInput | VerifyPublicKeyInput;
}

// JWS ECDSA signatures are raw r‖s ("ieee-p1363"), not DER (RFC 7518 §3.4).
const ecdsa = (key: KeyObject) => ({ key, dsaEncoding: 'ieee-p1363' as const });
// RSASSA-PSS with the salt as long as the digest (RFC 7518 §3.5).
const pss = (key: KeyObject) => ({ key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST });
const plain = (key: KeyObject) => key;

export const ALGORITHMS: Readonly<Record<Algorithm, AlgorithmSpec>> = {
  ES256: { hash: 'sha256', keyTypes: ['ec'], curve: 'prime256v1', signatureLength: 64, input: ecdsa },
  ES384: { hash: 'sha384', keyTypes: ['ec'], curve: 'secp384r1', signatureLength: 96, input: ecdsa },
  ES512: { hash: 'sha512', keyTypes: ['ec'], curve: 'secp521r1', signatureLength: 132, input: ecdsa },
  RS256: { hash: 'sha256', keyTypes: ['rsa'], input: plain },
  RS384: { hash: 'sha384', keyTypes: ['rsa'], input: plain },
  RS512: { hash: 'sha512', keyTypes: ['rsa'], input: plain },
  PS256: { hash: 'sha256', keyTypes: ['rsa', 'rsa-pss'], input: pss },
  PS384: { hash: 'sha384', keyTypes: ['rsa', 'rsa-pss'], input: pss },
  PS512: { hash: 'sha512', keyTypes: ['rsa', 'rsa-pss'], input: pss },
  EdDSA: { hash: null, keyTypes: ['ed25519', 'ed448'], input: plain },
};

/** Every supported algorithm name. */
export const SUPPORTED_ALGORITHMS = Object.keys(ALGORITHMS) as Algorithm[];

export function isAlgorithm(value: unknown): value is Algorithm {
  return typeof value === 'string' && Object.hasOwn(ALGORITHMS, value);
}

// RFC 7518 §3.3: RSA keys for RS*/PS* MUST be at least 2048 bits.
const MIN_RSA_BITS = 2048;

/** The algorithms a public key can verify: its type decides, never the token. */
export function algorithmsForKey(key: KeyObject): Algorithm[] {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if ((type === 'rsa' || type === 'rsa-pss') && (details.modulusLength ?? 0) < MIN_RSA_BITS) return [];
  return SUPPORTED_ALGORITHMS.filter((alg) => {
    const spec = ALGORITHMS[alg];
    if (type === undefined || !spec.keyTypes.includes(type)) return false;
    return spec.curve === undefined || details.namedCurve === spec.curve;
  });
}

/** Checks a JWS signature over `data`; the signature length is checked here, a bad one is `false`. */
export type SignatureCheck = (data: Buffer, signature: Buffer) => boolean;

/**
 * Builds the check for one (key, algorithm) pair once, so the request path does no option
 * building: one crypto.verify call on a KeyObject imported at JWKS-fetch time.
 */
export function signatureCheck(alg: Algorithm, key: KeyObject): SignatureCheck {
  const spec = ALGORITHMS[alg];
  const input = spec.input(key);
  const { hash, signatureLength } = spec;
  return (data, signature) => {
    // A DER-encoded or truncated ECDSA signature is not a JWS signature: refuse it before OpenSSL.
    if (signatureLength !== undefined && signature.length !== signatureLength) return false;
    try {
      return verify(hash, data, input, signature);
    } catch {
      // OpenSSL rejects some malformed signatures by throwing rather than answering false.
      return false;
    }
  };
}

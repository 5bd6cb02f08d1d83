/**
 * PKCE (RFC 7636) for links sent by email. Starting a flow makes a fresh code verifier, sends its
 * S256 challenge with the request, and keeps the verifier in the client's storage under
 * `<storageKey>-code-verifier` (the key supabase-js uses). The link comes back as `?code=…`,
 * which is worth nothing without the verifier: a code read from a mail log, a proxy or the
 * browser history cannot be exchanged elsewhere.
 *
 * One verifier per storage key: starting a second flow replaces the first one's, so only the
 * newest link can be exchanged (the one the user asked for last).
 *
 * This module imports nothing at run time: `signUp` and `updateUser` load it on demand (see
 * lazy-pkce.ts), and a chunk of its own stays small. Callers turn its failures into coded errors.
 */
import type { StorageAdapter } from '../storage/types.js';

/** Marks a verifier kept for a password recovery (supabase-js's `<verifier>/recovery`). */
const RECOVERY = '/recovery';
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Where a client keeps its verifier. */
export interface VerifierHome {
  storage: StorageAdapter;
  storageKey: string;
}

/** The storage key of the verifier. No dot in it: `.` + digits names a chunk in chunked (cookie) storage. */
export function verifierKey(storageKey: string): string {
  return `${storageKey}-code-verifier`;
}

/** Base64url without padding (RFC 4648 §5), without `btoa` (missing in older React Native). */
export function base64url(bytes: Uint8Array): string {
  let out = '';
  for (let i = 0; i < bytes.length; i += 3) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] ?? 0) << 8) | (bytes[i + 2] ?? 0);
    out += (ALPHABET[(n >> 18) & 63] as string) + ALPHABET[(n >> 12) & 63];
    if (i + 1 < bytes.length) out += ALPHABET[(n >> 6) & 63];
    if (i + 2 < bytes.length) out += ALPHABET[n & 63];
  }
  return out;
}

/**
 * A new verifier: 32 bytes from the platform CSPRNG, base64url (43 characters), as RFC 7636 §7.1
 * recommends — 256 bits, so it cannot be guessed from its challenge or by trying. Null without a
 * CSPRNG: there is no fallback to `Math.random` (supabase-js has one), a predictable verifier is
 * no verifier.
 */
export function newVerifier(): string | null {
  const crypto = globalThis.crypto;
  return typeof crypto?.getRandomValues === 'function' ? base64url(crypto.getRandomValues(new Uint8Array(32))) : null;
}

/**
 * The challenge for `verifier`: S256 (base64url of its SHA-256) wherever Web Crypto's `subtle` is
 * there. Browsers hide `subtle` outside secure contexts (a plain-http LAN address in development)
 * and React Native lacks it: there the challenge is the verifier itself (`plain`), which RFC 7636
 * §4.2 allows when S256 cannot be computed, as supabase-js does.
 */
export async function challengeFor(verifier: string): Promise<PkceParams> {
  const subtle = globalThis.crypto?.subtle;
  if (!subtle || typeof TextEncoder === 'undefined') return { code_challenge: verifier, code_challenge_method: 'plain' };
  const digest = await subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return { code_challenge: base64url(new Uint8Array(digest)), code_challenge_method: 's256' };
}

/** The body fields that start a PKCE flow (GoTrue's names; `s256` lower-case, as supabase-js sends it). */
export interface PkceParams {
  code_challenge: string;
  code_challenge_method: 's256' | 'plain';
}

export interface PkceStart {
  params: PkceParams;
  /**
   * Keeps the verifier. Called once the server accepted the request, not before: a request that
   * fails (a rate limit, say) then leaves the verifier of the link sent before it intact.
   * Rejects with the storage adapter's own error.
   */
  save(): Promise<void>;
}

/** Thrown (a plain `Error`, see above) by {@link startPkce} where there is no CSPRNG. */
export const NO_CSPRNG = 'flowType "pkce" needs crypto.getRandomValues (React Native: install react-native-get-random-values).';

/**
 * Starts a PKCE flow (`recovery`: a password recovery, reported as `PASSWORD_RECOVERY` when the
 * code is exchanged). Throws `Error(NO_CSPRNG)` when this runtime has no CSPRNG.
 */
export async function startPkce(home: VerifierHome, recovery = false): Promise<PkceStart> {
  const verifier = newVerifier();
  if (!verifier) throw new Error(NO_CSPRNG);
  const params = await challengeFor(verifier);
  return {
    params,
    save: async () => home.storage.setItem(verifierKey(home.storageKey), recovery ? verifier + RECOVERY : verifier),
  };
}

export interface StoredVerifier {
  verifier: string;
  /** True when the flow was a password recovery. */
  recovery: boolean;
  /** The stored value as read (to remove it only if nobody replaced it meanwhile). */
  raw: string;
}

/** Reads a stored verifier value: null when it is none of ours. */
export function parseVerifier(raw: unknown): StoredVerifier | null {
  if (typeof raw !== 'string') return null;
  const recovery = raw.endsWith(RECOVERY);
  const verifier = recovery ? raw.slice(0, -RECOVERY.length) : raw;
  // RFC 7636 §4.1: 43–128 unreserved characters. Anything else was not written by a client.
  return /^[A-Za-z0-9._~-]{43,128}$/.test(verifier) ? { verifier, recovery, raw } : null;
}

/** The verifier kept in storage, or null. Rejects with the storage adapter's own error. */
export async function readVerifier(home: VerifierHome): Promise<StoredVerifier | null> {
  return parseVerifier(await home.storage.getItem(verifierKey(home.storageKey)));
}

/** Removes the verifier `used`, unless another flow has replaced it since it was read. Never rejects. */
export async function removeVerifier(home: VerifierHome, used: StoredVerifier): Promise<void> {
  const key = verifierKey(home.storageKey);
  try {
    if ((await home.storage.getItem(key)) === used.raw) await home.storage.removeItem(key);
  } catch {
    // Left behind it is harmless: single-use on the server, and replaced by the next flow.
  }
}

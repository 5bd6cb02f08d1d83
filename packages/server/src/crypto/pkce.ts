/**
 * PKCE (RFC 7636): the challenge a client sends when it starts a flow, and the verifier it shows
 * when it exchanges the auth code.
 */
import { createHash } from 'node:crypto';

export type ChallengeMethod = 's256' | 'plain';

/** RFC 7636 §4.1: a verifier is 43–128 characters of [A-Z a-z 0-9 - . _ ~]; GoTrue holds challenges to the same. */
export const PKCE_STRING = /^[A-Za-z0-9._~-]{43,128}$/;

/**
 * The challenge a verifier answers, per method: BASE64URL(SHA256(verifier)) for S256 (§4.2), the
 * verifier itself for plain. The exchange compares this with the stored challenge in the
 * statement that consumes the flow, so a wrong verifier consumes nothing.
 */
export function challengeOf(verifier: string, method: ChallengeMethod): string {
  return method === 's256' ? createHash('sha256').update(verifier, 'ascii').digest('base64url') : verifier;
}

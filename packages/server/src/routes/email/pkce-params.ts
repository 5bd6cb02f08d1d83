/** The PKCE fields a flow may start with (`code_challenge`, `code_challenge_method`), checked as GoTrue checks them. */
import { z } from 'zod';
import { PKCE_STRING, type ChallengeMethod } from '../../crypto/pkce.js';
import type { Queryable } from '../../db/database.js';
import { LatchkeyError } from '../../errors.js';
import { createFlowState } from '../../store/flow-states.js';

/** supabase-js sends `null` for both when it is not in PKCE mode. */
export const pkceFields = {
  code_challenge: z.string().max(512).nullish(),
  code_challenge_method: z.string().max(16).nullish(),
};

export interface PkceChallenge {
  challenge: string;
  method: ChallengeMethod;
}

/** The flow's challenge, or undefined for the implicit flow (neither field); GoTrue's 400s otherwise. */
export function pkceChallenge(body: { code_challenge?: string | null; code_challenge_method?: string | null }): PkceChallenge | undefined {
  const challenge = body.code_challenge ?? '';
  const method = body.code_challenge_method ?? '';
  if (challenge === '' && method === '') return undefined;
  if (challenge === '' || method === '') {
    throw new LatchkeyError('validation_failed', 'PKCE flow requires code_challenge_method and code_challenge');
  }
  // RFC 7636 §4.2: 43 to 128 characters of [A-Z a-z 0-9 - . _ ~].
  if (challenge.length < 43 || challenge.length > 128) {
    throw new LatchkeyError('validation_failed', 'code challenge has to be between 43 and 128 characters');
  }
  if (!PKCE_STRING.test(challenge)) {
    throw new LatchkeyError(
      'validation_failed',
      'code challenge can only contain alphanumeric characters, hyphens, periods, underscores and tildes',
    );
  }
  const lower = method.toLowerCase();
  if (lower !== 's256' && lower !== 'plain') throw new LatchkeyError('validation_failed', `unsupported code_challenge method "${method}"`);
  return { challenge, method: lower };
}

/** Starts the flow's state when it is PKCE; its id goes with the token the email carries. */
export async function startFlow(
  tx: Queryable,
  pkce: PkceChallenge | undefined,
  userId: string,
  method: string,
  now: Date,
): Promise<string | null> {
  if (!pkce) return null;
  return createFlowState(tx, { userId, method, challenge: pkce.challenge, challengeMethod: pkce.method, now });
}

/** `challengeAndVerify`: a TOTP code in one call — a challenge, then its verification. */
import type { LatchkeyClient } from '../client.js';
import { challenge } from './challenge.js';
import type { VerifyResult } from './types.js';
import { verify } from './verify.js';

export interface ChallengeAndVerifyParams {
  factorId: string;
  /** The 6-digit code the user's authenticator app shows. */
  code: string;
}

/**
 * Creates a challenge for a TOTP factor and verifies it with `code`: the session becomes `aal2`,
 * is stored, and `MFA_CHALLENGE_VERIFIED` is emitted (see `verify`).
 *
 * @example
 * import * as mfa from '@latchkey/client/mfa';
 * const { data, error } = await mfa.challengeAndVerify(auth, { factorId, code: '123456' });
 * if (!error) router.push('/admin'); // data.session's access token carries aal2
 */
export async function challengeAndVerify(client: LatchkeyClient, params: ChallengeAndVerifyParams): Promise<VerifyResult> {
  const started = await challenge(client, { factorId: params?.factorId });
  if (started.error) return { data: { user: null, session: null }, error: started.error };
  return verify(client, { factorId: params.factorId, challengeId: started.data.id, code: params.code });
}

/**
 * `verifyWithWebAuthn`: a WebAuthn factor's whole ceremony — challenge, the browser's prompt,
 * verification. The first time (an unverified factor) the prompt registers the authenticator;
 * afterwards it signs the challenge.
 */
import type { LatchkeyClient } from '../client.js';
import { fail } from '../flows/result.js';
import { createCredential, getCredential, type CeremonyOptions } from '../webauthn/ceremony.js';
import { challenge } from './challenge.js';
import type { VerifyResult } from './types.js';
import { verify } from './verify.js';

export interface VerifyWithWebAuthnParams extends CeremonyOptions {
  factorId: string;
}

/**
 * Challenges a WebAuthn factor, runs `navigator.credentials.create` (first use) or `get`, and
 * verifies the answer: the session becomes `aal2`, is stored, and `MFA_CHALLENGE_VERIFIED` is
 * emitted. A cancelled prompt answers `webauthn_ceremony_failed`.
 *
 * @example
 * import * as mfa from '@latchkey/client/mfa';
 * const { data: factor } = await mfa.enroll(auth, { factorType: 'webauthn', friendlyName: 'Security key' });
 * const { error } = await mfa.verifyWithWebAuthn(auth, { factorId: factor.id }); // registers it, aal2
 */
export async function verifyWithWebAuthn(client: LatchkeyClient, params: VerifyWithWebAuthnParams): Promise<VerifyResult> {
  const keys: ('user' | 'session')[] = ['user', 'session'];
  const started = await challenge(client, { factorId: params?.factorId });
  if (started.error) return fail(keys, started.error);
  const webauthn = started.data.webauthn;
  if (!webauthn) return fail(keys, undefined); // not a WebAuthn factor's challenge
  let credential: Record<string, unknown>;
  try {
    const ceremony = webauthn.type === 'create' ? createCredential : getCredential;
    credential = await ceremony(webauthn.credential_options.publicKey, params);
  } catch (error) {
    return fail(keys, error);
  }
  return verify(client, {
    factorId: params.factorId,
    challengeId: started.data.id,
    webauthn: { type: webauthn.type, credential_response: credential },
  });
}

/**
 * `signInWithPasskey`: signs in with no password — options
 * (`POST /passkeys/authentication/options`), `navigator.credentials.get` (the authenticator offers
 * the passkeys it holds for this site), verification (`POST /passkeys/authentication/verify`).
 */
import type { LatchkeyClient } from '../client.js';
import { saveAndEmit } from '../context.js';
import { fail, ok } from '../flows/result.js';
import { withClient } from '../internals.js';
import { sessionFromResponse } from '../session/session.js';
import type { Result, Session, User } from '../types.js';
import { getCredential, type CeremonyOptions } from '../webauthn/ceremony.js';
import type { CeremonyStart } from './types.js';

const KEYS: ('user' | 'session')[] = ['user', 'session'];

/**
 * Signs in with a passkey: the session (`amr` passkey, `aal1`: a user with a second factor still
 * verifies it) is stored and `SIGNED_IN` emitted. A cancelled prompt answers
 * `webauthn_ceremony_failed`; a credential the server does not know, `webauthn_verification_failed`.
 *
 * @example
 * import { signInWithPasskey } from '@latchkey/client/passkey';
 * const { data, error } = await signInWithPasskey(auth);
 * if (error?.code === 'webauthn_ceremony_failed') showMessage('No passkey was chosen.');
 */
export function signInWithPasskey(
  client: LatchkeyClient,
  options: CeremonyOptions = {},
): Promise<Result<{ user: User; session: Session }>> {
  return withClient(client, KEYS, async (ctx) => {
    try {
      await ctx.ready;
      const start = await ctx.http<CeremonyStart>('POST', '/passkeys/authentication/options', { body: {} });
      const credential = await getCredential(start.options, options);
      const body = await ctx.http('POST', '/passkeys/authentication/verify', { body: { challenge_id: start.challenge_id, credential } });
      const session = sessionFromResponse(body, ctx.clock.now());
      await saveAndEmit(ctx, session, 'SIGNED_IN');
      return ok({ user: session.user, session });
    } catch (thrown) {
      return fail(KEYS, thrown);
    }
  });
}

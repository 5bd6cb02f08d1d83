/**
 * `registerPasskey`: adds a passkey to the signed-in user — options
 * (`POST /passkeys/registration/options`), `navigator.credentials.create`, verification
 * (`POST /passkeys/registration/verify`).
 */
import type { LatchkeyClient } from '../client.js';
import { usableSession } from '../flows/get-session.js';
import { fail, missingSession, ok } from '../flows/result.js';
import { withClient } from '../internals.js';
import type { Result } from '../types.js';
import { createCredential, type CeremonyOptions } from '../webauthn/ceremony.js';
import type { CeremonyStart, Passkey } from './types.js';

const KEYS: 'passkey'[] = ['passkey'];

/**
 * Registers a passkey (a discoverable credential with user verification) for the signed-in user.
 * Once the user has a verified second factor this takes an `aal2` session (`insufficient_aal`).
 * A cancelled prompt answers `webauthn_ceremony_failed`.
 *
 * @example
 * import { registerPasskey } from '@latchkey/client/passkey';
 * const { data, error } = await registerPasskey(auth);
 * if (!error) console.log('Added', data.passkey.friendly_name);
 */
export function registerPasskey(client: LatchkeyClient, options: CeremonyOptions = {}): Promise<Result<{ passkey: Passkey }>> {
  return withClient(client, KEYS, async (ctx) => {
    try {
      const { session, error } = await usableSession(ctx);
      if (!session) return fail(KEYS, error ?? missingSession());
      const token = session.access_token;
      const start = await ctx.http<CeremonyStart>('POST', '/passkeys/registration/options', { token, body: {} });
      const credential = await createCredential(start.options, options);
      // The token may have been refreshed while the user looked at the prompt.
      const current = (await usableSession(ctx)).session ?? session;
      const passkey = await ctx.http<Passkey>('POST', '/passkeys/registration/verify', {
        token: current.access_token,
        body: { challenge_id: start.challenge_id, credential },
      });
      if (typeof passkey?.id !== 'string') return fail(KEYS, undefined);
      return ok({ passkey });
    } catch (thrown) {
      return fail(KEYS, thrown);
    }
  });
}

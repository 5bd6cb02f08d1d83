/** The user's passkeys: list (`GET /passkeys`), rename (`PATCH /passkeys/:id`), delete (`DELETE /passkeys/:id`). */
import type { LatchkeyClient } from '../client.js';
import type { LatchkeyError } from '../errors.js';
import { usableSession } from '../flows/get-session.js';
import { fail, invalid, missingSession, ok } from '../flows/result.js';
import { withClient } from '../internals.js';
import type { Result } from '../types.js';
import type { Passkey } from './types.js';

function passkeyPath(id: unknown): string {
  if (typeof id !== 'string' || id === '') throw invalid('Pass the passkey id as passkeyId.');
  return `/passkeys/${encodeURIComponent(id)}`;
}

/**
 * The signed-in user's passkeys.
 *
 * @example
 * import { listPasskeys } from '@latchkey/client/passkey';
 * const { data } = await listPasskeys(auth);
 * for (const p of data.passkeys ?? []) console.log(p.friendly_name, p.last_used_at);
 */
export function listPasskeys(client: LatchkeyClient): Promise<Result<{ passkeys: Passkey[] }>> {
  const keys: 'passkeys'[] = ['passkeys'];
  return withClient(client, keys, async (ctx) => {
    try {
      const { session, error } = await usableSession(ctx);
      if (!session) return fail(keys, error ?? missingSession());
      const body = await ctx.http<unknown>('GET', '/passkeys', { token: session.access_token });
      return Array.isArray(body) ? ok({ passkeys: body as Passkey[] }) : fail(keys, undefined);
    } catch (thrown) {
      return fail(keys, thrown);
    }
  });
}

/**
 * Renames a passkey (up to 120 characters).
 *
 * @example
 * import { renamePasskey } from '@latchkey/client/passkey';
 * await renamePasskey(auth, { passkeyId, friendlyName: 'Work laptop' });
 */
export function renamePasskey(
  client: LatchkeyClient,
  params: { passkeyId: string; friendlyName: string },
): Promise<Result<{ passkey: Passkey }>> {
  const keys: 'passkey'[] = ['passkey'];
  return withClient(client, keys, async (ctx) => {
    try {
      const path = passkeyPath(params?.passkeyId);
      if (typeof params.friendlyName !== 'string' || !params.friendlyName)
        return fail(keys, invalid('renamePasskey needs a friendlyName.'));
      const { session, error } = await usableSession(ctx);
      if (!session) return fail(keys, error ?? missingSession());
      const passkey = await ctx.http<Passkey>('PATCH', path, { token: session.access_token, body: { friendly_name: params.friendlyName } });
      return typeof passkey?.id === 'string' ? ok({ passkey }) : fail(keys, undefined);
    } catch (thrown) {
      return fail(keys, thrown);
    }
  });
}

/**
 * Deletes a passkey. Once the user has a verified second factor this takes an `aal2` session.
 *
 * @example
 * import { deletePasskey } from '@latchkey/client/passkey';
 * const { error } = await deletePasskey(auth, { passkeyId });
 */
export function deletePasskey(client: LatchkeyClient, params: { passkeyId: string }): Promise<{ error: LatchkeyError | null }> {
  return withClient(client, [] as never[], async (ctx) => {
    try {
      const path = passkeyPath(params?.passkeyId);
      const { session, error } = await usableSession(ctx);
      if (!session) return fail([], error ?? missingSession());
      await ctx.http('DELETE', path, { token: session.access_token });
      return ok({});
    } catch (thrown) {
      return fail([], thrown);
    }
  }).then(({ error }) => ({ error }));
}

/**
 * The signed-in user's provider identities: list them (`GET /user`), link another
 * (`GET /user/identities/authorize`), unlink one (`DELETE /user/identities/:identity_id`). Linking
 * and unlinking are off unless the server enables manual linking
 * (`LATCHKEY_SECURITY_MANUAL_LINKING_ENABLED`): else `manual_linking_disabled`.
 */
import type { LatchkeyClient } from '../client.js';
import type { Context } from '../context.js';
import { LatchkeyError } from '../errors.js';
import { withClient } from '../internals.js';
import { navigate, providerQuery } from '../lib/provider-url.js';
import type { Result, User } from '../types.js';
import { usableSession } from './get-session.js';
import { getUser } from './get-user.js';
import { beginPkce } from './pkce-flow.js';
import { fail, invalid, missingSession, ok } from './result.js';
import type { OAuthResult } from './sign-in-with-oauth.js';

/** One way the user signs in, as GoTrue lists it in `user.identities`. */
export interface UserIdentity {
  /** The provider's id for the user (`sub`). */
  id: string;
  /** The identity's own id: what `unlinkIdentity` sends. */
  identity_id: string;
  user_id: string;
  provider: string;
  identity_data?: Record<string, unknown>;
  email?: string;
  created_at?: string;
  last_sign_in_at?: string;
  updated_at?: string;
}

export interface LinkIdentityCredentials {
  provider: string;
  /** Where the browser comes back: the server's site URL or an entry of its redirect allow list. */
  redirectTo?: string;
  scopes?: string;
  queryParams?: Record<string, string>;
  /** Only return the URL; the page is not navigated. */
  skipBrowserRedirect?: boolean;
}

function identitiesOf(user: User): UserIdentity[] {
  return Array.isArray(user.identities) ? (user.identities as UserIdentity[]) : [];
}

/**
 * The signed-in user's identities, as the server knows them now (`GET /user`).
 *
 * @example
 * import { getUserIdentities } from '@latchkey/client';
 * const { data } = await getUserIdentities(auth);
 * const providers = data.identities?.map((i) => i.provider);
 */
export function getUserIdentities(client: LatchkeyClient): Promise<Result<{ identities: UserIdentity[] }>> {
  const keys: 'identities'[] = ['identities'];
  return withClient(client, keys, async (ctx) => {
    const { data, error } = await getUser(ctx);
    return data.user ? ok({ identities: identitiesOf(data.user) }) : fail(keys, error);
  });
}

/**
 * Starts linking a provider identity to the signed-in user: asks the server for the provider's
 * URL (with the bearer token, `skip_http_redirect=true`, as supabase-js does) and, in a browser,
 * navigates to it unless `skipBrowserRedirect`. The browser comes back to `redirectTo` with a new
 * session (fragment, or `?code=` under `flowType: 'pkce'`, whose verifier is kept here once the
 * server accepted).
 *
 * @example
 * import { linkIdentity } from '@latchkey/client';
 * const { error } = await linkIdentity(auth, { provider: 'github', redirectTo: 'https://app.example/settings' });
 * if (error?.code === 'manual_linking_disabled') hideLinkButtons();
 */
export function linkIdentity(client: LatchkeyClient, credentials: LinkIdentityCredentials): Promise<OAuthResult> {
  const keys: ('provider' | 'url')[] = ['provider', 'url'];
  return withClient(client, keys, async (ctx) => {
    if (typeof credentials?.provider !== 'string' || !credentials.provider) return fail(keys, invalid('linkIdentity needs { provider }.'));
    const { provider, redirectTo, scopes, queryParams, skipBrowserRedirect } = credentials;
    const { session, error } = await usableSession(ctx);
    if (!session) return fail(keys, error ?? missingSession());
    try {
      const pkce = await beginPkce(ctx);
      const query = providerQuery({ provider, redirectTo, scopes, queryParams, skipHttpRedirect: true }, pkce?.params);
      const body = await ctx.http<{ url?: unknown }>('GET', `/user/identities/authorize?${query}`, { token: session.access_token });
      if (typeof body?.url !== 'string') {
        throw new LatchkeyError('unexpected_response', 'The auth server answered GET /user/identities/authorize without a url.', {
          status: 200,
        });
      }
      await pkce?.save();
      if (!skipBrowserRedirect) navigate(body.url);
      return ok({ provider, url: body.url });
    } catch (thrown) {
      return fail(keys, thrown);
    }
  });
}

/** `GET /user` and the stored session's user replaced by the answer (under the lock); `USER_UPDATED` after. */
async function reloadUser(ctx: Context): Promise<Result<{ user: User }>> {
  const result = await getUser(ctx);
  const user = result.data.user;
  if (!user) return result;
  const updated = await ctx.lock.run(ctx.lockName, async () => {
    const latest = await ctx.store.read();
    if (!latest || latest.user.id !== user.id) return null;
    const next = { ...latest, user };
    await ctx.store.commit(next, true);
    return next;
  });
  if (updated) ctx.events.emit('USER_UPDATED', updated);
  return result;
}

/**
 * Unlinks one of the signed-in user's identities (`DELETE /user/identities/:identity_id`), then
 * fetches the user again so the stored session lists what remains (`USER_UPDATED`).
 * `single_identity_not_deletable` for the user's last way to sign in.
 *
 * @example
 * import { getUserIdentities, unlinkIdentity } from '@latchkey/client';
 * const { data } = await getUserIdentities(auth);
 * const github = data.identities?.find((i) => i.provider === 'github');
 * if (github) await unlinkIdentity(auth, github);
 */
export function unlinkIdentity(client: LatchkeyClient, identity: Pick<UserIdentity, 'identity_id'>): Promise<Result<{ user: User }>> {
  const keys: 'user'[] = ['user'];
  return withClient(client, keys, async (ctx) => {
    const id = identity?.identity_id;
    if (typeof id !== 'string' || !id)
      return fail(keys, invalid('unlinkIdentity needs an identity from getUserIdentities (its identity_id).'));
    const { session, error } = await usableSession(ctx);
    if (!session) return fail(keys, error ?? missingSession());
    try {
      await ctx.http('DELETE', `/user/identities/${encodeURIComponent(id)}`, { token: session.access_token });
    } catch (thrown) {
      return fail(keys, thrown);
    }
    return reloadUser(ctx);
  });
}

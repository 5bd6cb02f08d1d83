/**
 * Provider identities: (provider, the provider's subject) → one user. Finding or creating the
 * user of a provider sign-in, linking and unlinking, and the rule that decides when a new
 * identity may join an existing account.
 */
import { randomUUID } from 'node:crypto';
import type { Queryable } from '../db/database.js';
import { LatchkeyError } from '../errors.js';
import type { ProviderProfile } from '../providers/client.js';
import { appMetadata, findUserById, type PublicUserRow, type UserRow } from './users.js';

export interface IdentityRow {
  id: string;
  user_id: string;
  provider: string;
  provider_id: string;
  identity_data: Record<string, unknown>;
  email: string | null;
  last_sign_in_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

/** GoTrue's identity JSON (supabase-js `UserIdentity`). */
export function identityJson(row: IdentityRow): Record<string, unknown> {
  return {
    identity_id: row.id,
    id: row.provider_id,
    user_id: row.user_id,
    identity_data: row.identity_data,
    provider: row.provider,
    last_sign_in_at: iso(row.last_sign_in_at),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
    email: row.email ?? undefined,
  };
}

export async function listIdentities(db: Queryable, userId: string): Promise<IdentityRow[]> {
  return db.query<IdentityRow>('SELECT * FROM identities WHERE user_id = $1 ORDER BY created_at, id', [userId]);
}

/** The user with its provider identities attached, for the responses that show a user. */
export async function withIdentities<T extends PublicUserRow>(db: Queryable, user: T): Promise<T> {
  const rows = await listIdentities(db, user.id);
  return { ...user, provider_identities: rows.map(identityJson) };
}

export type SignInOutcome = 'returning' | 'created' | 'linked';

export interface ResolveOptions {
  now: Date;
  /** Link to this signed-in user (GET /user/identities/authorize), never to anyone else. */
  linkingUserId?: string | null;
  disableSignup: boolean;
}

/**
 * The user a provider sign-in belongs to, creating or linking as the rules say. Run inside a
 * transaction (the caller's), so the identity, the user and its providers change together.
 */
export async function resolveProviderUser(
  tx: Queryable,
  provider: string,
  profile: ProviderProfile,
  options: ResolveOptions,
): Promise<{ user: UserRow; identity: IdentityRow; outcome: SignInOutcome }> {
  const { now } = options;
  const existing = (
    await tx.query<IdentityRow>('SELECT * FROM identities WHERE provider = $1 AND provider_id = $2 FOR UPDATE', [provider, profile.subject])
  )[0];
  if (existing) {
    // One identity, one user: linking cannot move an identity between accounts.
    if (options.linkingUserId && existing.user_id !== options.linkingUserId) {
      throw new LatchkeyError('identity_already_exists', 'Identity is already linked to another user');
    }
    if (options.linkingUserId) throw new LatchkeyError('identity_already_exists', 'Identity is already linked');
    const [identity] = await tx.query<IdentityRow>(
      `UPDATE identities SET identity_data = $2::jsonb, email = $3, last_sign_in_at = $4, updated_at = $4 WHERE id = $1 RETURNING *`,
      [existing.id, JSON.stringify(profile.data), profile.email ?? null, now],
    );
    const user = await findUserById(tx, existing.user_id);
    if (!user) throw new LatchkeyError('user_not_found');
    return { user, identity: identity!, outcome: 'returning' };
  }

  if (options.linkingUserId) {
    const user = await findUserById(tx, options.linkingUserId);
    if (!user) throw new LatchkeyError('user_not_found', 'Linking target user not found', { status: 422 });
    return link(tx, user, provider, profile, now);
  }

  if (profile.email && profile.emailVerified) {
    const owner = (
      await tx.query<UserRow>('SELECT * FROM users WHERE email = $1 AND email_confirmed_at IS NOT NULL FOR UPDATE', [profile.email])
    )[0];
    // Automatic linking needs BOTH sides to have proven the address: the provider vouches for
    // it (email_verified) and the account confirmed it. An unverified provider email would let
    // anyone who types the victim's address at a lax provider sign into the victim's account;
    // an unconfirmed account may be a squatter's pre-registration (its password would then open
    // the real owner's account). Either way the sign-in gets an account of its own.
    if (owner) return link(tx, owner, provider, profile, now);
  }

  if (options.disableSignup) throw new LatchkeyError('signup_disabled');
  // The user's email only when the provider verified it and no account holds it yet; otherwise
  // the address stays in identity_data alone, proving nothing and claiming no one's address.
  let email: string | null = null;
  if (profile.email && profile.emailVerified) {
    const taken = await tx.query('SELECT 1 FROM users WHERE email = $1', [profile.email]);
    if (taken.length === 0) email = profile.email;
  }
  const [user] = await tx.query<UserRow>(
    `INSERT INTO users (id, email, encrypted_password, raw_user_meta_data, raw_app_meta_data, role, email_confirmed_at, created_at, updated_at)
     VALUES ($1, $2, NULL, $3::jsonb, $4::jsonb, 'authenticated', $5, $6, $6) RETURNING *`,
    [randomUUID(), email, JSON.stringify(profile.data), JSON.stringify({ provider, providers: [provider] }), email ? now : null, now],
  );
  const identity = await insertIdentity(tx, user!.id, provider, profile, now);
  return { user: user!, identity, outcome: 'created' };
}

async function link(tx: Queryable, user: UserRow, provider: string, profile: ProviderProfile, now: Date) {
  const identity = await insertIdentity(tx, user.id, provider, profile, now);
  const meta = appMetadata(user);
  const providers = Array.isArray(meta.providers) ? (meta.providers as string[]) : [];
  const [updated] = await tx.query<UserRow>(
    `UPDATE users SET raw_app_meta_data = raw_app_meta_data || $2::jsonb, updated_at = $3 WHERE id = $1 RETURNING *`,
    [user.id, JSON.stringify({ provider: meta.provider ?? provider, providers: [...new Set([...providers, provider])] }), now],
  );
  return { user: updated!, identity, outcome: 'linked' as const };
}

async function insertIdentity(tx: Queryable, userId: string, provider: string, profile: ProviderProfile, now: Date): Promise<IdentityRow> {
  const [row] = await tx.query<IdentityRow>(
    `INSERT INTO identities (id, user_id, provider, provider_id, identity_data, email, last_sign_in_at, created_at, updated_at)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $7, $7) RETURNING *`,
    [randomUUID(), userId, provider, profile.subject, JSON.stringify(profile.data), profile.email ?? null, now],
  );
  return row!;
}

/**
 * Unlinks an identity of `userId`, refusing the last way in: the count and the delete happen
 * under the user's row lock, so two concurrent unlinks cannot both pass the check and leave none.
 */
export async function unlinkIdentity(tx: Queryable, userId: string, identityId: string, now: Date): Promise<IdentityRow> {
  const [user] = await tx.query<UserRow>('SELECT * FROM users WHERE id = $1 FOR UPDATE', [userId]);
  if (!user) throw new LatchkeyError('user_not_found');
  const identities = await listIdentities(tx, userId);
  const target = identities.find((i) => i.id === identityId);
  if (!target) throw new LatchkeyError('identity_not_found');
  const meta = appMetadata(user);
  const providers = Array.isArray(meta.providers) ? (meta.providers as string[]) : [];
  // The email identity (an address with a password) is a way in too.
  const ways = identities.length + (user.email && providers.includes('email') ? 1 : 0);
  if (ways <= 1) throw new LatchkeyError('single_identity_not_deletable');
  await tx.query('DELETE FROM identities WHERE id = $1', [identityId]);
  const remaining = [
    ...new Set([
      ...(providers.includes('email') ? ['email'] : []),
      ...identities.filter((i) => i.id !== identityId).map((i) => i.provider),
    ]),
  ];
  await tx.query('UPDATE users SET raw_app_meta_data = raw_app_meta_data || $2::jsonb, updated_at = $3 WHERE id = $1', [
    userId,
    JSON.stringify({ provider: remaining.includes(meta.provider as string) ? meta.provider : remaining[0], providers: remaining }),
    now,
  ]);
  return target;
}

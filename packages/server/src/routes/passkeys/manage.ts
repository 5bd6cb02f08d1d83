/** A user's passkeys (list, rename, delete), and the admin's view of them (GoTrue's shapes). */
import { z } from 'zod';
import { LatchkeyError } from '../../errors.js';
import { route } from '../../http/route.js';
import { deletePasskey, listPasskeys, passkeyJson, renamePasskey } from '../../store/passkeys.js';
import { findUserById } from '../../store/users.js';
import { requirePasskeyManagementAal, requirePasskeys } from './ceremonies.js';

// GoTrue answers an unknown passkey 404 with validation_failed.
const notFound = () => new LatchkeyError('validation_failed', 'Passkey not found', { status: 404 });

export const listMyPasskeys = route({
  method: 'GET',
  path: '/passkeys',
  auth: 'user',
  summary: "The signed-in user's passkeys: [{ id, friendly_name, created_at, last_used_at }].",
  async handler({ app, auth }) {
    requirePasskeys(app);
    return { body: (await listPasskeys(app.db, auth!.user.id)).map(passkeyJson) };
  },
});

export const renameMyPasskey = route({
  method: 'PATCH',
  path: '/passkeys/:id',
  auth: 'user',
  summary: 'Rename a passkey: { friendly_name } (up to 120 characters) → the passkey.',
  body: z.object({
    friendly_name: z.string().min(1, 'friendly_name is required').max(120, 'friendly_name must be 120 characters or less'),
  }),
  async handler({ app, auth, body, params, request }) {
    requirePasskeys(app);
    const passkey = await renamePasskey(app.db, auth!.user.id, params.id as string, body.friendly_name, request.now);
    if (!passkey) throw notFound();
    return { body: passkeyJson(passkey) };
  },
});

export const deleteMyPasskey = route({
  method: 'DELETE',
  path: '/passkeys/:id',
  auth: 'user',
  summary: 'Delete a passkey (204); from an aal2 session once the user has a verified factor.',
  body: z.unknown(),
  async handler({ app, auth, params, request }) {
    requirePasskeys(app);
    requirePasskeyManagementAal(auth!);
    const passkey = await deletePasskey(app.db, auth!.user.id, params.id as string);
    if (!passkey) throw notFound();
    await app.audit({
      type: 'passkey_removed',
      actor: 'user',
      userId: auth!.user.id,
      sessionId: auth!.session.id,
      ip: request.ip,
      userAgent: request.userAgent,
      data: { passkey_id: passkey.id },
    });
    return { status: 204 };
  },
});

export const adminListPasskeys = route({
  method: 'GET',
  path: '/admin/users/:id/passkeys',
  auth: 'admin',
  summary: "A user's passkeys.",
  async handler({ app, params }) {
    const user = await findUserById(app.db, params.id as string);
    if (!user) throw new LatchkeyError('user_not_found');
    return { body: (await listPasskeys(app.db, user.id)).map(passkeyJson) };
  },
});

export const adminDeletePasskey = route({
  method: 'DELETE',
  path: '/admin/users/:id/passkeys/:pid',
  auth: 'admin',
  summary: "Delete a user's passkey (204).",
  body: z.unknown(),
  async handler({ app, params, request }) {
    const user = await findUserById(app.db, params.id as string);
    if (!user) throw new LatchkeyError('user_not_found');
    const passkey = await deletePasskey(app.db, user.id, params.pid as string);
    if (!passkey) throw notFound();
    await app.audit({ type: 'passkey_removed', actor: 'admin', userId: user.id, ip: request.ip, data: { passkey_id: passkey.id } });
    return { status: 204 };
  },
});

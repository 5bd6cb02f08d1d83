/** Signing-key lifecycle for admins: list, rotate, retire, import (crypto/signing-keys.ts). */
import { z } from 'zod';
import { importKey, listKeys, retireKey, rotateKeys } from '../crypto/signing-keys.js';
import { route } from '../http/route.js';

const forceBody = z.object({ force: z.boolean().optional() });

export const adminListKeys = route({
  method: 'GET',
  path: '/admin/keys',
  auth: 'admin',
  summary:
    'Every signing key with its state (standby, current, previous, retired) and, for the standby and the previous key, ready_at: when rotate (the publish delay) or retire (the longest-lived token it signed) stops being refused. Never the private key.',
  async handler({ app, request }) {
    const keys = (await listKeys(app.db)).map((key) => {
      const since = Date.parse(key.state_since);
      // The same rules rotateKeys and retireKey enforce (crypto/signing-keys.ts), shown ahead of a click.
      const wait = key.state === 'standby' ? app.config.keyPublishDelay : key.state === 'previous' ? app.config.jwtExp : undefined;
      return wait === undefined ? key : { ...key, ready_at: new Date(since + wait * 1000).toISOString() };
    });
    return {
      body: { keys, publish_delay: app.config.keyPublishDelay, jwt_exp: app.config.jwtExp, now: request.now.toISOString() },
    };
  },
});

export const adminRotateKeys = route({
  method: 'POST',
  path: '/admin/keys/rotate',
  auth: 'admin',
  summary:
    'Standby → current → previous, and a new standby. 409 key_not_ready while the standby is younger than the publish delay (force overrides).',
  body: forceBody,
  async handler({ app, body, request }) {
    const result = await rotateKeys(app.db, app.keyEncryptionKey, request.now, app.config.keyPublishDelay, body.force ?? false);
    await app.reloadKeys();
    await app.audit({ type: 'key_rotated', actor: 'admin', ip: request.ip, data: { ...result, forced: body.force ?? false } });
    return { body: result };
  },
});

export const adminRetireKey = route({
  method: 'POST',
  path: '/admin/keys/:kid/retire',
  auth: 'admin',
  summary: 'Retire a previous key (removed from the JWKS) once the tokens it signed have expired (force overrides).',
  body: forceBody,
  async handler({ app, body, params, request }) {
    await retireKey(app.db, params.kid as string, request.now, app.config.jwtExp, body.force ?? false);
    await app.reloadKeys();
    await app.audit({ type: 'key_retired', actor: 'admin', ip: request.ip, data: { kid: params.kid, forced: body.force ?? false } });
    return { body: { retired: params.kid } };
  },
});

export const adminImportKey = route({
  method: 'POST',
  path: '/admin/keys/import',
  auth: 'admin',
  summary: 'Import a P-256 private key (PEM or JWK) as the standby key.',
  body: z.object({ key: z.string().min(1).max(16_384) }),
  async handler({ app, body, request }) {
    const kid = await importKey(app.db, app.keyEncryptionKey, body.key, request.now);
    await app.reloadKeys();
    await app.audit({ type: 'key_imported', actor: 'admin', ip: request.ip, data: { kid } });
    return { body: { standby: kid } };
  },
});

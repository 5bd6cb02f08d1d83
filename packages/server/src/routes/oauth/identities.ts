/** Linking and unlinking identities of the signed-in user (supabase-js linkIdentity, unlinkIdentity), behind LATCHKEY_SECURITY_MANUAL_LINKING_ENABLED. */
import type { App } from '../../app.js';
import { LatchkeyError } from '../../errors.js';
import { route } from '../../http/route.js';
import { unlinkIdentity } from '../../store/identities.js';
import { UUID } from '../../store/users.js';
import { authorizeQuery, startProviderFlow } from './start.js';

function requireManualLinking(app: App): void {
  if (!app.config.securityManualLinkingEnabled) throw new LatchkeyError('manual_linking_disabled');
}

export const linkIdentity = route({
  method: 'GET',
  path: '/user/identities/authorize',
  auth: 'user',
  summary:
    'Start linking a provider identity to the signed-in user: { url } with skip_http_redirect=true (what supabase-js sends), else 302. 404 manual_linking_disabled unless LATCHKEY_SECURITY_MANUAL_LINKING_ENABLED.',
  query: authorizeQuery,
  async handler({ app, query, request, auth }) {
    requireManualLinking(app);
    return startProviderFlow(app, query, request, { userId: auth!.user.id, sessionId: auth!.session.id });
  },
});

export const unlinkIdentityRoute = route({
  method: 'DELETE',
  path: '/user/identities/:id',
  auth: 'user',
  summary:
    "Unlink one of the signed-in user's identities (by identity_id); 422 single_identity_not_deletable for the last way to sign in, 422 identity_not_found. Behind LATCHKEY_SECURITY_MANUAL_LINKING_ENABLED.",
  async handler({ app, params, request, auth }) {
    requireManualLinking(app);
    const id = params.id ?? '';
    if (!UUID.test(id)) throw new LatchkeyError('validation_failed', 'identity_id must be an UUID', { status: 404 });
    const removed = await app.db.transaction((tx) => unlinkIdentity(tx, auth!.user.id, id, request.now));
    await app.audit({
      type: 'identity_unlinked',
      actor: 'user',
      userId: auth!.user.id,
      ip: request.ip,
      userAgent: request.userAgent,
      data: { provider: removed.provider, identity_id: removed.id },
    });
    return { body: {} };
  },
});

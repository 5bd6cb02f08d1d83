/** POST /token?grant_type=id_token { provider, id_token, nonce, access_token? }: sign in with a provider's ID token (supabase-js signInWithIdToken). */
import { z } from 'zod';
import type { App } from '../../app.js';
import { LatchkeyError } from '../../errors.js';
import { parse, type RequestInfo } from '../../http/route.js';
import { ProviderRejected, ProviderUnavailable } from '../../providers/client.js';
import { resolveProviderUser, withIdentities } from '../../store/identities.js';
import { createSession } from '../../store/sessions.js';
import { isBanned } from '../../store/users.js';
import { sessionResponse, type SessionResponse } from '../session-response.js';
import { auditSignIn } from './callback.js';

const idTokenGrant = z.object({
  provider: z.string().max(64).nullish(),
  id_token: z.string().max(16384).nullish(),
  nonce: z.string().max(1024).nullish(),
  access_token: z.string().max(16384).nullish(),
});

export async function idTokenSignIn(app: App, input: unknown, request: RequestInfo): Promise<SessionResponse> {
  const body = parse(idTokenGrant, input);
  if (!body.id_token) throw new LatchkeyError('validation_failed', 'id_token required');
  if (!body.provider) throw new LatchkeyError('validation_failed', 'provider or client_id and issuer required');
  app.limiter.take('oauthPerIp', request.ip);
  const client = app.providers.get(body.provider.toLowerCase());
  if (!client) throw new LatchkeyError('provider_disabled', `Provider ${body.provider} is not enabled`);
  if (!client.verifyIdToken) throw new LatchkeyError('validation_failed', `Provider ${client.config.name} does not issue ID tokens`);
  let profile;
  try {
    profile = await client.verifyIdToken({ idToken: body.id_token, nonce: body.nonce ?? undefined, now: request.now });
  } catch (error) {
    if (error instanceof ProviderUnavailable) throw new LatchkeyError('provider_unavailable');
    // GoTrue answers 400 with its description ("Bad ID token", "Nonces mismatch", …).
    if (error instanceof ProviderRejected) throw new LatchkeyError('invalid_credentials', error.message);
    throw error;
  }
  const outcome = await app.db.transaction(async (tx) => {
    const resolved = await resolveProviderUser(tx, client.config.name, profile, {
      now: request.now,
      disableSignup: app.config.disableSignup,
    });
    if (isBanned(resolved.user, request.now)) throw new LatchkeyError('user_banned', 'User is banned', { status: 400 });
    const session = await createSession(tx, resolved.user.id, 'oauth', { now: request.now, userAgent: request.userAgent, ip: request.ip });
    return { ...resolved, session };
  });
  await auditSignIn(app, request, client.config.name, outcome.user.id, outcome.outcome, outcome.session.session.id);
  const user = await withIdentities(app.db, outcome.session.user);
  return sessionResponse(app, { session: outcome.session.session, user }, request.now);
}

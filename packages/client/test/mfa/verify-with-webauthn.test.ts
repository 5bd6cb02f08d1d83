/** mfa.verifyWithWebAuthn: challenge → create (first use) or get → verify { webauthn: { type, credential_response } }. */
import { describe, expect, it } from 'vitest';
import { verifyWithWebAuthn } from '../../src/mfa/verify-with-webauthn.js';
import { fakeClock, fakeServer, json, session, testClient, tokenBody } from '../helpers.js';
import { b64url, fakeCredentials } from '../webauthn/fake-authenticator.js';

const FACTOR = '33333333-3333-4333-8333-333333333333';

describe('mfa.verifyWithWebAuthn', () => {
  for (const type of ['create', 'request'] as const) {
    it(`a ${type} challenge runs navigator.credentials.${type === 'create' ? 'create' : 'get'} and verifies its answer`, async () => {
      const clock = fakeClock();
      const publicKey =
        type === 'create'
          ? { challenge: b64url('c'), user: { id: b64url('u'), name: 'a' }, rp: { name: 'x' } }
          : { challenge: b64url('c') };
      const server = fakeServer({
        [`POST /factors/${FACTOR}/challenge`]: () =>
          json(200, { id: 'ch', type: 'webauthn', expires_at: 1, webauthn: { type, credential_options: { publicKey } } }),
        [`POST /factors/${FACTOR}/verify`]: () => json(200, tokenBody(2)),
      });
      const t = await testClient({ fetch: server.fetch, clock });
      await t.storage.setItem(t.key, JSON.stringify(session(1, clock.now())));
      const fake = fakeCredentials();
      const { error } = await verifyWithWebAuthn(t.auth, { factorId: FACTOR, credentials: fake.credentials });
      expect(error).toBeNull();
      expect(fake.seen[type === 'create' ? 'create' : 'get']).toHaveLength(1);
      expect(server.calls[1]?.body).toMatchObject({ challenge_id: 'ch', webauthn: { type, credential_response: { id: 'Y3JlZA' } } });
      expect(t.events().at(-1)).toBe('MFA_CHALLENGE_VERIFIED');
    });
  }
});

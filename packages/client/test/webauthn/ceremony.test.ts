/** The browser half of WebAuthn without the browser's JSON helpers: options parsed, the credential serialized. */
import { describe, expect, it } from 'vitest';
import { createCredential, getCredential } from '../../src/webauthn/ceremony.js';
import { b64url, fakeCredentials, text } from './fake-authenticator.js';

describe('WebAuthn ceremony (fallbacks for browsers without parse…FromJSON / toJSON)', () => {
  it('create: challenge, user.id and excludeCredentials ids become bytes; the attestation comes back base64url', async () => {
    const fake = fakeCredentials();
    const json = await createCredential(
      {
        challenge: b64url('chal'),
        rp: { id: 'localhost', name: 'x' },
        user: { id: b64url('uid'), name: 'a' },
        excludeCredentials: [{ id: b64url('old'), type: 'public-key' }],
      },
      { credentials: fake.credentials },
    );
    const sent = fake.seen.create[0].publicKey;
    expect(text(sent.challenge)).toBe('chal');
    expect(text(sent.user.id)).toBe('uid');
    expect(text(sent.excludeCredentials[0].id)).toBe('old');
    expect(sent.rp).toEqual({ id: 'localhost', name: 'x' });
    expect(json).toMatchObject({
      id: 'Y3JlZA',
      rawId: b64url('cred'),
      type: 'public-key',
      response: { clientDataJSON: b64url('{"c":1}'), attestationObject: b64url('att'), transports: ['internal'] },
    });
  });

  it('get: the assertion’s signature and user handle come back base64url', async () => {
    const fake = fakeCredentials();
    const json = await getCredential({ challenge: b64url('chal'), userVerification: 'required' }, { credentials: fake.credentials });
    expect(text(fake.seen.get[0].publicKey.challenge)).toBe('chal');
    expect(json.response).toMatchObject({ authenticatorData: b64url('ad'), signature: b64url('sig'), userHandle: b64url('user-1') });
  });

  it('a cancelled prompt or no credential: webauthn_ceremony_failed (the DOMException name in the message)', async () => {
    await expect(getCredential({ challenge: 'AA' }, { credentials: fakeCredentials('cancel').credentials })).rejects.toMatchObject({
      code: 'webauthn_ceremony_failed',
      message: expect.stringContaining('NotAllowedError'),
    });
    await expect(getCredential({ challenge: 'AA' }, { credentials: fakeCredentials('null').credentials })).rejects.toMatchObject({
      code: 'webauthn_ceremony_failed',
    });
  });

  it('no WebAuthn in this runtime: webauthn_unavailable', async () => {
    await expect(getCredential({ challenge: 'AA' })).rejects.toMatchObject({ code: 'webauthn_unavailable' });
  });
});

/**
 * A stand-in for `navigator.credentials` (Node has no WebAuthn): records the options it was given
 * and answers a credential object shaped like the browser's (ArrayBuffers, no `toJSON`, so the
 * client's own serialization is what gets tested).
 */
const bytes = (text: string) => new TextEncoder().encode(text).buffer as ArrayBuffer;

export function fakeCredentials(answer: 'ok' | 'cancel' | 'null' = 'ok') {
  const seen: { create: any[]; get: any[] } = { create: [], get: [] };
  const credential = (kind: 'create' | 'get') => ({
    id: 'Y3JlZA',
    rawId: bytes('cred'),
    type: 'public-key',
    authenticatorAttachment: 'platform',
    getClientExtensionResults: () => ({}),
    response:
      kind === 'create'
        ? { clientDataJSON: bytes('{"c":1}'), attestationObject: bytes('att'), getTransports: () => ['internal'] }
        : { clientDataJSON: bytes('{"c":2}'), authenticatorData: bytes('ad'), signature: bytes('sig'), userHandle: bytes('user-1') },
  });
  const respond = async (kind: 'create' | 'get', options: any) => {
    seen[kind].push(options);
    if (answer === 'cancel')
      throw Object.assign(new Error('The operation either timed out or was not allowed.'), { name: 'NotAllowedError' });
    return answer === 'null' ? null : (credential(kind) as unknown as Credential);
  };
  return {
    seen,
    credentials: {
      create: (options: CredentialCreationOptions) => respond('create', options),
      get: (options: CredentialRequestOptions) => respond('get', options),
    },
  };
}

export const b64url = (text: string) => Buffer.from(text).toString('base64url');
export const text = (buffer: ArrayBuffer) => Buffer.from(buffer).toString();

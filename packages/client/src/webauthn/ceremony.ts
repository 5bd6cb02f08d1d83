/**
 * The browser half of WebAuthn, shared by passkeys and WebAuthn factors: the server's options
 * (JSON, base64url) in, `navigator.credentials.create` / `get`, the credential out as JSON.
 *
 * Where the browser has them, its own `PublicKeyCredential.parseCreationOptionsFromJSON`,
 * `parseRequestOptionsFromJSON` and `credential.toJSON()` are used; the fallbacks below convert
 * the same fields (the binary ones WebAuthn Level 3 §5.1.8 and §5.1.9 list) for browsers that
 * predate them.
 */
import { LatchkeyError } from '../errors.js';

/** `navigator.credentials`, or a stand-in (tests; an embedded browser's bridge). */
export interface CredentialsLike {
  create(options: CredentialCreationOptions): Promise<Credential | null>;
  get(options: CredentialRequestOptions): Promise<Credential | null>;
}

export interface CeremonyOptions {
  /** Aborts the browser's prompt (e.g. when the user leaves the page). */
  signal?: AbortSignal;
  /** Default: `navigator.credentials`. */
  credentials?: CredentialsLike;
}

type Json = Record<string, unknown>;

interface ParsingStatics {
  parseCreationOptionsFromJSON?: (json: unknown) => PublicKeyCredentialCreationOptions;
  parseRequestOptionsFromJSON?: (json: unknown) => PublicKeyCredentialRequestOptions;
}

function fromBase64url(value: unknown): ArrayBuffer {
  if (typeof value !== 'string')
    throw new LatchkeyError('unexpected_response', 'The auth server sent WebAuthn options without their binary fields.');
  const base64 = value.replace(/-/g, '+').replace(/_/g, '/');
  const binary = atob(base64.padEnd(base64.length + ((4 - (base64.length % 4)) % 4), '='));
  return Uint8Array.from(binary, (c) => c.charCodeAt(0)).buffer;
}

function toBase64url(value: ArrayBuffer | ArrayBufferView | null | undefined): string | undefined {
  if (!value) return undefined;
  const bytes = ArrayBuffer.isView(value) ? new Uint8Array(value.buffer, value.byteOffset, value.byteLength) : new Uint8Array(value);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

const withIds = (list: unknown) =>
  Array.isArray(list) ? (list as Json[]).map((descriptor) => ({ ...descriptor, id: fromBase64url(descriptor.id) })) : undefined;

function statics(): ParsingStatics | undefined {
  return (globalThis as { PublicKeyCredential?: ParsingStatics }).PublicKeyCredential;
}

function container(options: CeremonyOptions): CredentialsLike {
  const credentials = options.credentials ?? (globalThis as { navigator?: { credentials?: CredentialsLike } }).navigator?.credentials;
  if (!credentials || (!options.credentials && !statics())) {
    throw new LatchkeyError(
      'webauthn_unavailable',
      'This browser has no WebAuthn (navigator.credentials): passkeys need a secure context (https or localhost).',
    );
  }
  return credentials;
}

/** The serialized credential: the browser's `toJSON()`, or the same fields by hand. */
function credentialJson(credential: Credential | null, kind: string): Json {
  const value = credential as (PublicKeyCredential & { toJSON?: () => Json }) | null;
  if (!value || value.type !== 'public-key') {
    throw new LatchkeyError('webauthn_ceremony_failed', `The browser's WebAuthn ${kind} produced no credential.`);
  }
  if (typeof value.toJSON === 'function') return value.toJSON();
  const response = value.response as AuthenticatorResponse & {
    attestationObject?: ArrayBuffer;
    authenticatorData?: ArrayBuffer;
    signature?: ArrayBuffer;
    userHandle?: ArrayBuffer | null;
    getTransports?: () => string[];
  };
  return {
    id: value.id,
    rawId: toBase64url(value.rawId),
    type: value.type,
    authenticatorAttachment: value.authenticatorAttachment ?? undefined,
    clientExtensionResults: value.getClientExtensionResults?.() ?? {},
    response: {
      clientDataJSON: toBase64url(response.clientDataJSON),
      attestationObject: toBase64url(response.attestationObject),
      authenticatorData: toBase64url(response.authenticatorData),
      signature: toBase64url(response.signature),
      userHandle: toBase64url(response.userHandle),
      transports: response.getTransports?.(),
    },
  };
}

/** Wraps what the browser threw: the DOMException's name says why (NotAllowedError: cancelled or timed out). */
function ceremonyFailed(kind: string, error: unknown): LatchkeyError {
  if (error instanceof LatchkeyError) return error;
  const name = error instanceof Error ? error.name : 'Error';
  return new LatchkeyError('webauthn_ceremony_failed', `The browser's WebAuthn ${kind} failed (${name}).`, { cause: error });
}

/** `navigator.credentials.create` with the server's creation options (JSON); the new credential as JSON. */
export async function createCredential(publicKey: Json, options: CeremonyOptions = {}): Promise<Json> {
  const credentials = container(options);
  const parse = statics()?.parseCreationOptionsFromJSON;
  const user = publicKey.user as Json | undefined;
  const parsed = parse
    ? parse(publicKey)
    : ({
        ...publicKey,
        challenge: fromBase64url(publicKey.challenge),
        user: { ...user, id: fromBase64url(user?.id) },
        excludeCredentials: withIds(publicKey.excludeCredentials),
      } as unknown as PublicKeyCredentialCreationOptions);
  try {
    return credentialJson(await credentials.create({ publicKey: parsed, signal: options.signal }), 'registration');
  } catch (error) {
    throw ceremonyFailed('registration', error);
  }
}

/** `navigator.credentials.get` with the server's request options (JSON); the assertion as JSON. */
export async function getCredential(publicKey: Json, options: CeremonyOptions = {}): Promise<Json> {
  const credentials = container(options);
  const parse = statics()?.parseRequestOptionsFromJSON;
  const parsed = parse
    ? parse(publicKey)
    : ({
        ...publicKey,
        challenge: fromBase64url(publicKey.challenge),
        allowCredentials: withIds(publicKey.allowCredentials),
      } as unknown as PublicKeyCredentialRequestOptions);
  try {
    return credentialJson(await credentials.get({ publicKey: parsed, signal: options.signal }), 'sign-in');
  } catch (error) {
    throw ceremonyFailed('sign-in', error);
  }
}

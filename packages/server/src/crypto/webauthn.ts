/**
 * WebAuthn ceremonies (W3C Web Authentication, Level 3) for WebAuthn factors and passkeys, on
 * `@simplewebauthn/server`: challenges are made here, options built here, responses checked here.
 *
 * What is checked on every response: the challenge is the one this server issued for this
 * ceremony (the caller stored it, and consumes it once), the type (`webauthn.create` /
 * `webauthn.get`), the origin against LATCHKEY_WEBAUTHN_RP_ORIGINS, the RP id hash against
 * LATCHKEY_WEBAUTHN_RP_ID, user presence, user verification where required, and the signature
 * (attestation `none` is accepted: Latchkey does not vet authenticator models). Signature
 * counters are compared by the caller in the statement that stores the new one.
 */
import { randomBytes } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { Config } from '../config.js';
import { LatchkeyError } from '../errors.js';

/**
 * The library, loaded by the first ceremony rather than at start: its module graph costs
 * ~25 MiB resident (issue #17, measured with bench/memory.mjs), in every process, for a feature
 * most deployments never switch on. Node caches the module, so later ceremonies pay nothing.
 */
const simpleWebAuthn = () => import('@simplewebauthn/server');

export type { AuthenticationResponseJSON, RegistrationResponseJSON };

export interface RelyingParty {
  id: string;
  name: string;
  /** Exact origins; undefined: the default for the RP id (see originAllowed). */
  origins: readonly string[] | undefined;
}

export function relyingParty(config: Config): RelyingParty {
  return { id: config.webauthnRpId, name: config.webauthnRpDisplayName, origins: config.webauthnRpOrigins };
}

/**
 * Whether a ceremony may come from `origin`. A configured list matches exactly. Without one:
 * for the RP id `localhost`, any http(s)://localhost port (development: the browser only allows
 * that RP id on localhost itself); for any other RP id, exactly https://<RP id>.
 */
export function originAllowed(rp: RelyingParty, origin: string): boolean {
  if (rp.origins !== undefined) return rp.origins.includes(origin);
  if (rp.id === 'localhost') {
    try {
      const url = new URL(origin);
      return url.hostname === 'localhost' && (url.protocol === 'http:' || url.protocol === 'https:') && url.origin === origin;
    } catch {
      return false;
    }
  }
  return origin === `https://${rp.id}`;
}

/** A ceremony's challenge: 32 random bytes, so a response can only answer this one ceremony. */
function newChallenge(): Uint8Array<ArrayBuffer> {
  return new Uint8Array(randomBytes(32));
}

const failed = (message = 'Credential verification failed') => new LatchkeyError('webauthn_verification_failed', message);

/** The origin a response claims (its clientDataJSON), checked against the policy before anything else. */
function checkedOrigin(rp: RelyingParty, response: { response?: { clientDataJSON?: unknown } }): string {
  let origin: unknown;
  try {
    origin = JSON.parse(Buffer.from(String(response.response?.clientDataJSON), 'base64url').toString('utf8')).origin;
  } catch {
    throw failed('Invalid credential response');
  }
  if (typeof origin !== 'string' || !originAllowed(rp, origin)) throw failed('The credential was made for another origin');
  return origin;
}

export interface CredentialDescriptor {
  id: string;
  transports?: string[];
}

export interface RegistrationRequest {
  /** The WebAuthn user handle: the user's id, as bytes of its text (GoTrue's user handle). */
  userId: string;
  userName: string;
  userDisplayName: string;
  /** Credentials the authenticator must not register again. */
  exclude: CredentialDescriptor[];
  /** Passkeys: a discoverable credential with user verification; factors: neither required. */
  passkey: boolean;
}

/** Registration options for navigator.credentials.create(), and the challenge to store. */
export async function registrationOptions(rp: RelyingParty, request: RegistrationRequest): Promise<PublicKeyCredentialCreationOptionsJSON> {
  const { generateRegistrationOptions } = await simpleWebAuthn();
  return generateRegistrationOptions({
    rpName: rp.name,
    rpID: rp.id,
    userID: new Uint8Array(Buffer.from(request.userId, 'utf8')),
    userName: request.userName,
    userDisplayName: request.userDisplayName,
    challenge: newChallenge(),
    attestationType: 'none',
    excludeCredentials: request.exclude.map((c) => ({ id: c.id, transports: c.transports })),
    authenticatorSelection: request.passkey
      ? { residentKey: 'required', requireResidentKey: true, userVerification: 'required' }
      : { residentKey: 'discouraged', userVerification: 'preferred' },
    timeout: 300_000,
  });
}

export interface RegisteredCredential {
  id: string;
  /** COSE public key, base64url. */
  publicKey: string;
  counter: number;
  transports: string[];
  aaguid: string;
  backupEligible: boolean;
  backedUp: boolean;
}

/**
 * Checks a registration response against the challenge stored for its ceremony. Throws
 * `webauthn_verification_failed` on any mismatch.
 */
export async function verifyRegistration(
  rp: RelyingParty,
  response: RegistrationResponseJSON,
  expectedChallenge: string,
  requireUserVerification: boolean,
): Promise<RegisteredCredential> {
  const origin = checkedOrigin(rp, response);
  const { verifyRegistrationResponse } = await simpleWebAuthn();
  let verified: Awaited<ReturnType<typeof verifyRegistrationResponse>>;
  try {
    verified = await verifyRegistrationResponse({
      response,
      expectedChallenge,
      expectedOrigin: origin,
      expectedRPID: rp.id,
      requireUserVerification,
    });
  } catch {
    // The library's message may quote values from the response; the caller learns only that it failed.
    throw failed();
  }
  if (!verified.verified) throw failed();
  const { credential, aaguid, credentialDeviceType, credentialBackedUp } = verified.registrationInfo;
  return {
    id: credential.id,
    publicKey: Buffer.from(credential.publicKey).toString('base64url'),
    counter: credential.counter,
    transports: credential.transports ?? response.response.transports ?? [],
    aaguid,
    backupEligible: credentialDeviceType === 'multiDevice',
    backedUp: credentialBackedUp,
  };
}

/** Authentication options for navigator.credentials.get(): `allow` empty for discoverable credentials. */
export async function authenticationOptions(
  rp: RelyingParty,
  allow: CredentialDescriptor[],
  userVerification: 'required' | 'preferred',
): Promise<PublicKeyCredentialRequestOptionsJSON> {
  const { generateAuthenticationOptions } = await simpleWebAuthn();
  return generateAuthenticationOptions({
    rpID: rp.id,
    challenge: newChallenge(),
    allowCredentials: allow.map((c) => ({ id: c.id, transports: c.transports as never })),
    userVerification,
    timeout: 300_000,
  });
}

/**
 * Checks an assertion against the challenge of its ceremony and the stored credential. Returns
 * the authenticator's new signature counter, which the caller stores only if it moved forward.
 */
export async function verifyAuthentication(
  rp: RelyingParty,
  response: AuthenticationResponseJSON,
  expectedChallenge: string,
  credential: { id: string; publicKey: string; transports?: string[] },
  requireUserVerification: boolean,
): Promise<{ counter: number; backedUp: boolean }> {
  const origin = checkedOrigin(rp, response);
  const { verifyAuthenticationResponse } = await simpleWebAuthn();
  let verified: Awaited<ReturnType<typeof verifyAuthenticationResponse>>;
  try {
    verified = await verifyAuthenticationResponse({
      response,
      expectedChallenge,
      expectedOrigin: origin,
      expectedRPID: rp.id,
      // Counter 0 here: the library would refuse a regression with an error indistinguishable
      // from a bad signature. The caller compares counters after the signature checked out, so
      // a regression (a cloned authenticator) is refused *and* audited as what it is.
      credential: {
        id: credential.id,
        publicKey: new Uint8Array(Buffer.from(credential.publicKey, 'base64url')),
        counter: 0,
        transports: credential.transports as never,
      },
      requireUserVerification,
    });
  } catch {
    throw failed();
  }
  if (!verified.verified) throw failed();
  return { counter: verified.authenticationInfo.newCounter, backedUp: verified.authenticationInfo.credentialBackedUp };
}

/** Whether a counter reported by an authenticator may follow the stored one (WebAuthn §6.1.1). */
export function counterMovedForward(stored: number, reported: number): boolean {
  // Authenticators without a counter report 0 every time; otherwise it must grow.
  return (stored === 0 && reported === 0) || reported > stored;
}

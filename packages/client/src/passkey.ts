/**
 * `@latchkey/client/passkey`: passkeys (GoTrue's /passkeys API), as functions taking the client.
 * An app that does not import this entry point ships none of it.
 *
 * @example
 * import { registerPasskey, signInWithPasskey } from '@latchkey/client/passkey';
 * await registerPasskey(auth); // signed in: adds a passkey
 * await signInWithPasskey(auth); // later, signed out: signs in with it
 */
export { registerPasskey } from './passkey/register.js';
export { signInWithPasskey } from './passkey/sign-in.js';
export { deletePasskey, listPasskeys, renamePasskey } from './passkey/manage.js';
export type { Passkey } from './passkey/types.js';
export type { CeremonyOptions, CredentialsLike } from './webauthn/ceremony.js';

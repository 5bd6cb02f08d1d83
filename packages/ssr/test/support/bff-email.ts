/** A token handler over the scripted GoTrue of fake-gotrue.ts, for the email-flow routes. */
import { createTokenHandler, memoryLock, memoryStore, type TokenHandlerOptions } from '../../src/bff/index.js';
import { AUTH, fakeGoTrue } from './fake-gotrue.js';

export const VERIFIER = '__Host-latchkey-session-verifier';
export const SESSION = '__Host-latchkey-session';

export function emailHandler(options: Partial<TokenHandlerOptions> = {}) {
  const gotrue = fakeGoTrue();
  const store = memoryStore();
  const bff = createTokenHandler({
    authUrl: AUTH,
    store,
    lock: memoryLock(),
    fetch: gotrue.fetch,
    redirects: { signedIn: '/home', recovery: '/new-password', failed: '/login' },
    ...options,
  });
  return { bff, gotrue, store };
}

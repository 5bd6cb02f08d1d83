/**
 * `verify`: proves a factor (`POST /factors/:id/verify`) and stores the session it raised to
 * `aal2`, then emits `MFA_CHALLENGE_VERIFIED`.
 *
 * The server raises the **same** session and rotates its refresh token in that statement (one
 * more step of the session's chain). So verify is a rotation, and it runs under the refresh lock:
 *
 * - Inside the lock the stored session is re-read and its access token is the one sent: a refresh
 *   by this client or another tab has either finished (its successor is what we send, and the
 *   answer supersedes it) or not started (it will re-read storage under the lock, find the
 *   verified session fresh and adopt it without a request). No refresh can land after the
 *   verification and put the pre-verify token back in storage.
 * - A refresh token presented concurrently by a holder outside this client's lock (a server
 *   process, a tab without Web Locks) is the parent of the verified one, and the server answers
 *   it with the same `aal2` successor during its reuse interval (store/sessions.ts
 *   upgradeSession): both converge on one chain.
 * - The request has the refresh's short time-out, so the lock is never held longer than a
 *   refresh holds it (`webLocks`' `stealAfter` reasoning). A verification whose answer is lost
 *   leaves the old token stored; its next refresh is inside the reuse interval and gets the
 *   `aal2` successor, so nothing is lost but the event.
 *
 * Listeners are called after the lock is released.
 */
import type { LatchkeyClient } from '../client.js';
import { LatchkeyError } from '../errors.js';
import { usableSession } from '../flows/get-session.js';
import { fail, invalid, missingSession, ok } from '../flows/result.js';
import { withClient } from '../internals.js';
import { sessionFromResponse } from '../session/session.js';
import type { Session } from '../types.js';
import { factorPath } from './factor-path.js';
import type { VerifyResult } from './types.js';

/** As the refresher's: a holder of the lock waits on one request for at most this long. */
const VERIFY_TIMEOUT_MS = 5_000;

export type VerifyParams =
  /** A TOTP code. */
  | { factorId: string; challengeId: string; code: string }
  /**
   * A WebAuthn assertion or attestation: `credential_response` is what `navigator.credentials`
   * answered (serialized with its `toJSON()`) or that JSON itself. `verifyWithWebAuthn` does all of it.
   */
  | {
      factorId: string;
      challengeId: string;
      webauthn: { type: 'create' | 'request'; credential_response: unknown };
    };

const KEYS: ('user' | 'session')[] = ['user', 'session'];

/**
 * Verifies a challenge with a code (TOTP) or a WebAuthn credential. The session becomes `aal2`
 * (same session, new tokens), is stored, and `MFA_CHALLENGE_VERIFIED` is emitted. A wrong code
 * answers `mfa_verification_failed`; each code is accepted once.
 *
 * @example
 * import * as mfa from '@latchkey/client/mfa';
 * const { data: challenge } = await mfa.challenge(auth, { factorId });
 * const { error } = await mfa.verify(auth, { factorId, challengeId: challenge.id, code: '123456' });
 * if (error?.code === 'mfa_verification_failed') showMessage('Wrong code, try the next one.');
 */
export function verify(client: LatchkeyClient, params: VerifyParams): Promise<VerifyResult> {
  return withClient(client, KEYS, async (ctx) => {
    let session: Session;
    try {
      const path = factorPath(params?.factorId, '/verify');
      if (typeof params.challengeId !== 'string' || !params.challengeId) return fail(KEYS, invalid('verify needs the challengeId.'));
      const proof =
        'webauthn' in params && params.webauthn
          ? { webauthn: { type: params.webauthn.type, credential_response: params.webauthn.credential_response } }
          : 'code' in params && typeof params.code === 'string' && params.code
            ? { code: params.code }
            : undefined;
      if (!proof) return fail(KEYS, invalid('verify needs a code (TOTP) or webauthn: { type, credential_response }.'));
      // Refreshed first when due (outside the lock: the refresher takes it itself).
      const usable = await usableSession(ctx);
      if (!usable.session) return fail(KEYS, usable.error ?? missingSession());
      const userId = usable.session.user.id;
      session = await ctx.lock.run(ctx.lockName, async () => {
        const stored = await ctx.store.read();
        // Signed out (or another user signed in) while we waited: nothing of theirs to raise.
        if (!stored || stored.user.id !== userId) throw missingSession();
        const body = await ctx.http('POST', path, {
          token: stored.access_token,
          body: { challenge_id: params.challengeId, ...proof },
          timeoutMs: VERIFY_TIMEOUT_MS,
        });
        const fresh = sessionFromResponse(body, ctx.clock.now());
        if (fresh.user.id !== userId) throw new LatchkeyError('unexpected_response', 'The auth server verified a factor of another user.');
        await ctx.store.commit(fresh, true);
        return fresh;
      });
    } catch (thrown) {
      return fail(KEYS, thrown);
    }
    ctx.events.emit('MFA_CHALLENGE_VERIFIED', session);
    return ok({ user: session.user, session });
  });
}

/**
 * The second factor at sign-in. A user with a verified authenticator app signs in (password,
 * email link or passkey) at `aal1`; `getAuthenticatorAssuranceLevel` answers `nextLevel: 'aal2'`,
 * and the page asks for the code before it shows the notes. The code raises this same session to
 * `aal2` (`challengeAndVerify`, under the client's refresh lock), and every refresh keeps it.
 *
 * The gate is the page's: the notes API here accepts `aal1` tokens. An API whose data needs the
 * second factor checks it itself, with `@latchkey/verify`'s `requireAal: 'aal2'`.
 */
import type { LatchkeyClient, LatchkeyError, Session } from '@latchkey/client';
import * as mfa from '@latchkey/client/mfa';
import { sessionAssurance } from '@latchkey/client/session-rules';
import { $ } from './dom.js';

export type Level = mfa.AssuranceLevel;

/**
 * The session's level: `getAuthenticatorAssuranceLevel`, which refreshes first when due. When that
 * refresh cannot happen (the auth server unreachable), the same reading of the session at hand:
 * an outage must not lock a signed-in user out of the page, nor let one past the code prompt.
 */
export async function levelOf(auth: LatchkeyClient, session: Session): Promise<Level> {
  const { data, error } = await mfa.getAuthenticatorAssuranceLevel(auth);
  if (!error) return data;
  const { aal, amr } = sessionAssurance(session.access_token);
  const factors = (Array.isArray(session.user.factors) ? session.user.factors : []) as mfa.Factor[];
  return { currentLevel: aal, nextLevel: factors.some((f) => f.status === 'verified') ? 'aal2' : aal, currentAuthenticationMethods: amr };
}

/** Changes when what the Security panel shows of the level does. */
export const levelKey = (level: Level) =>
  `${level.currentLevel}/${level.nextLevel}/${level.currentAuthenticationMethods.map((entry) => entry.method).join(',')}`;

/** How the session proved itself, for people: "password, then authenticator code". */
const METHOD_NAMES: Record<string, string> = {
  password: 'password',
  otp: 'email code or link',
  magiclink: 'email link',
  recovery: 'recovery link',
  passkey: 'passkey',
  totp: 'authenticator code',
  'mfa/webauthn': 'security key',
};

export function describeLevel(level: Level): string {
  const methods = [...level.currentAuthenticationMethods]
    .reverse() // the server lists the most recent first
    .map((entry) => METHOD_NAMES[entry.method] ?? entry.method);
  const how = methods.length ? ` (${methods.join(', then ')})` : '';
  return level.currentLevel === 'aal2' ? `aal2: two factors${how}` : `aal1: one factor${how}`;
}

/** A wrong, used or throttled code, in words. */
export function codeError(error: LatchkeyError): string {
  switch (String(error.code)) {
    case 'mfa_verification_failed':
      return 'That code is wrong or was already used (each works once): type the one your app shows now.';
    case 'mfa_challenge_expired':
      return 'That took too long: type the code your app shows now.';
    case 'over_request_rate_limit':
      return `Too many attempts: wait ${Math.ceil((error.retryAfter ?? 60_000) / 1000)} s, then try again.`;
    case 'network_error':
    case 'timeout':
      return "Can't reach the auth server. Try again in a moment.";
    default:
      return `${error.message} (${error.code})`;
  }
}

export interface CodePrompt {
  /** Whether the signed-in panels must wait for the code: `aal1` now, `aal2` reachable. */
  locked(level: Level): boolean;
  /** Shows or hides the prompt. */
  show(open: boolean): void;
}

export function wireCodePrompt(auth: LatchkeyClient): CodePrompt {
  const panel = $('mfa-prompt');
  const form = $<HTMLFormElement>('mfa-form');
  const input = $<HTMLInputElement>('mfa-code');
  const errorLine = $('mfa-error');

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const submit = form.querySelector('button')!;
    submit.disabled = true;
    errorLine.textContent = '';
    try {
      const { data: factors, error: listError } = await mfa.listFactors(auth);
      const factor = factors?.totp?.[0];
      if (!factor) {
        errorLine.textContent = listError ? codeError(listError) : 'No authenticator app is set up for this account any more.';
        return;
      }
      // Success emits MFA_CHALLENGE_VERIFIED: the page checks the level again and opens.
      const { error } = await mfa.challengeAndVerify(auth, { factorId: factor.id, code: input.value.trim() });
      if (error) {
        errorLine.textContent = codeError(error);
        input.select();
      }
    } finally {
      submit.disabled = false;
    }
  });

  return {
    locked: (level) => level.currentLevel === 'aal1' && level.nextLevel === 'aal2',
    show(open) {
      const opening = open && panel.hidden;
      panel.hidden = !open;
      if (!open || opening) {
        form.reset();
        errorLine.textContent = '';
      }
      if (opening) input.focus();
    },
  };
}

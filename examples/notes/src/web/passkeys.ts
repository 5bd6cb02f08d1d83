/**
 * Passkeys: the Security panel lists the user's passkeys and adds one (`registerPasskey`: the
 * browser makes a discoverable credential for this site), and the sign-in panel signs in with one
 * (`signInWithPasskey`: no email, no password — the browser offers this site's passkeys).
 *
 * WebAuthn binds a passkey to a domain (the relying party id, `localhost` here), so the page must
 * be opened by name: at `http://127.0.0.1:…` the browser refuses, and the page says where to go.
 */
import type { LatchkeyClient, LatchkeyError } from '@latchkey/client';
import { listPasskeys, registerPasskey, signInWithPasskey } from '@latchkey/client/passkey';
import { $, timeOfDay } from './dom.js';

/** Why passkeys cannot work on this page, or null when they can. */
function unavailable(): string | null {
  if (typeof PublicKeyCredential === 'undefined') return 'This browser has no passkey support here (WebAuthn needs https or localhost).';
  if (/^[\d.]+$|^\[/.test(location.hostname)) {
    const there = `${location.protocol}//localhost:${location.port}${location.pathname}`;
    return `Passkeys belong to a site name, not an IP address: open ${there} to use them.`;
  }
  return null;
}

function passkeyError(error: LatchkeyError, doing: 'add' | 'sign-in'): string {
  switch (String(error.code)) {
    case 'webauthn_ceremony_failed':
      return doing === 'add'
        ? 'No passkey was made: the prompt was cancelled or timed out.'
        : 'No passkey was chosen: the prompt was cancelled or timed out.';
    case 'webauthn_unavailable':
      return unavailable() ?? 'This browser cannot use passkeys here.';
    case 'insufficient_aal':
      return 'Verify your authenticator code first: with two factors on, adding a passkey takes a two-factor session.';
    case 'webauthn_credential_exists':
      return 'That authenticator already holds a passkey for this account.';
    case 'too_many_passkeys':
      return 'This account has as many passkeys as it may have: delete one first.';
    case 'webauthn_verification_failed':
      return doing === 'add'
        ? 'The auth server could not verify the new passkey. Try again.'
        : 'That passkey is not one this server knows (deleted, or made for another account): sign in another way.';
    case 'passkey_disabled':
      return 'Passkeys are turned off on this auth server (LATCHKEY_PASSKEY_ENABLED).';
    case 'network_error':
    case 'timeout':
      return "Can't reach the auth server. Try again in a moment.";
    default:
      return `${error.message} (${error.code})`;
  }
}

export interface Passkeys {
  /** Lists the signed-in user's passkeys again. */
  refresh(): Promise<void>;
  clear(): void;
}

export function wirePasskeys(auth: LatchkeyClient, hooks: { signingIn(active: boolean): void }): Passkeys {
  const list = $<HTMLUListElement>('passkey-list');
  const add = $<HTMLButtonElement>('passkey-add');
  const status = $('passkey-status');
  const signIn = $<HTMLButtonElement>('passkey-sign-in');
  const signInError = $('auth-error');
  const say = (line: HTMLElement, text: string, isError: boolean) => {
    line.textContent = text;
    line.classList.toggle('error', isError);
  };

  async function refresh(): Promise<void> {
    const { data, error } = await listPasskeys(auth);
    if (error) {
      say(status, passkeyError(error, 'add'), true);
      return;
    }
    list.replaceChildren(
      ...data.passkeys.map((passkey) => {
        const li = document.createElement('li');
        li.dataset.testid = 'passkey';
        const used = passkey.last_used_at ? `last used ${timeOfDay(new Date(passkey.last_used_at))}` : 'not used yet';
        li.textContent = `${passkey.friendly_name || 'Passkey'} · added ${timeOfDay(new Date(passkey.created_at))} · ${used}`;
        return li;
      }),
    );
    list.dataset.count = String(data.passkeys.length);
    if (data.passkeys.length === 0) {
      const li = document.createElement('li');
      li.className = 'empty';
      li.textContent = 'None yet.';
      list.append(li);
    }
  }

  add.addEventListener('click', async () => {
    const why = unavailable();
    if (why) return say(status, why, true);
    add.disabled = true;
    say(status, 'Follow your browser’s prompt…', false);
    try {
      const { data, error } = await registerPasskey(auth);
      if (error) return say(status, passkeyError(error, 'add'), true);
      say(
        status,
        `Passkey added (${data.passkey.friendly_name || 'Passkey'}). Next time, use "Sign in with a passkey": no password needed.`,
        false,
      );
      await refresh();
    } finally {
      add.disabled = false;
    }
  });

  signIn.addEventListener('click', async () => {
    const why = unavailable();
    if (why) return void (signInError.textContent = why);
    signIn.disabled = true;
    signInError.textContent = '';
    hooks.signingIn(true);
    try {
      // Success stores the session and emits SIGNED_IN (amr: passkey).
      const { error } = await signInWithPasskey(auth);
      if (error) signInError.textContent = passkeyError(error, 'sign-in');
    } finally {
      hooks.signingIn(false);
      signIn.disabled = false;
    }
  });

  return {
    refresh,
    clear() {
      list.replaceChildren();
      say(status, '', false);
    },
  };
}

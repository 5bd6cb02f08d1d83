/**
 * The end of a password recovery: the recovery link (or code) signed the user in and the client
 * emitted `PASSWORD_RECOVERY`; this panel asks for the new password and sets it with
 * `updateUser({ password })` (which also ends the user's other sessions, server-side).
 */
import type { LatchkeyClient } from '@latchkey/client';
import { $ } from './dom.js';

/** Survives a reload in the middle of choosing the password (sessionStorage: this tab only). */
const RECOVERING = 'notes-demo.recovering';

export interface NewPassword {
  /** Shows the panel (on PASSWORD_RECOVERY). */
  open(): void;
  /** Hides it (signed out). */
  close(): void;
  /** Whether a recovery is waiting for its new password (after a reload). */
  pending(): boolean;
}

export function wireNewPassword(auth: LatchkeyClient, hooks: { done(): void }): NewPassword {
  const panel = $('recover');
  const form = $<HTMLFormElement>('new-password-form');
  const errorLine = $('new-password-error');

  const show = (open: boolean) => {
    panel.hidden = !open;
    if (open) sessionStorage.setItem(RECOVERING, '1');
    else sessionStorage.removeItem(RECOVERING);
    form.reset();
    errorLine.textContent = '';
  };

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!form.reportValidity()) return;
    const password = String(new FormData(form).get('password'));
    const submit = form.querySelector('button')!;
    submit.disabled = true;
    try {
      const { error } = await auth.updateUser({ password });
      if (!error) {
        show(false);
        hooks.done();
        return;
      }
      errorLine.textContent =
        error.code === 'weak_password'
          ? 'That password is too weak: use at least 8 characters.'
          : error.code === 'same_password'
            ? 'That is your current password: choose a different one.'
            : `${error.message} (${error.code})`;
    } finally {
      submit.disabled = false;
    }
  });

  return {
    open: () => show(true),
    close: () => show(false),
    pending: () => sessionStorage.getItem(RECOVERING) === '1',
  };
}

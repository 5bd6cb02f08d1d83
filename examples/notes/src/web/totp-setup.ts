/**
 * The Security panel's authenticator app (TOTP): enrol (`mfa.enroll`: the QR code as an image from
 * its data URI, and the secret to type in), prove it once (`challengeAndVerify`: this session
 * becomes `aal2`), or turn it off (`mfa.unenroll`, which needs an `aal2` session).
 */
import type { LatchkeyClient } from '@latchkey/client';
import * as mfa from '@latchkey/client/mfa';
import { codeError, describeLevel, type Level } from './assurance.js';
import { $ } from './dom.js';

export interface TotpSetup {
  /** Shows where the account and this session stand. */
  update(level: Level | null): Promise<void>;
  /** Forgets an enrolment in progress (signed out). */
  clear(): void;
}

/** Grouped in fours, as authenticator apps show keys to type. */
const spaced = (secret: string) => secret.replace(/(.{4})(?=.)/g, '$1 ');

export function wireTotpSetup(auth: LatchkeyClient): TotpSetup {
  const state = $('totp-state');
  const start = $<HTMLButtonElement>('totp-start');
  const remove = $<HTMLButtonElement>('totp-remove');
  const enrol = $('totp-enrol');
  const qr = $<HTMLImageElement>('totp-qr');
  const secret = $('totp-secret');
  const form = $<HTMLFormElement>('totp-form');
  const input = $<HTMLInputElement>('totp-code');
  const errorLine = $('totp-error');
  /** The factor being set up (unverified until its first code). */
  let pending: string | null = null;

  const closeEnrolment = () => {
    pending = null;
    enrol.hidden = true;
    qr.removeAttribute('src');
    secret.textContent = '';
    form.reset();
  };

  async function update(level: Level | null): Promise<void> {
    const { data } = await mfa.listFactors(auth);
    // Shown together: the level and whether the app is on never disagree on screen.
    $('aal').textContent = level ? describeLevel(level) : '—';
    $('aal').dataset.level = level?.currentLevel ?? '';
    const on = (data?.totp?.length ?? 0) > 0;
    state.textContent = on
      ? 'On: each sign-in asks for the code your app shows.'
      : 'Off. Set it up and every sign-in also asks for a 6-digit code from an app on your phone.';
    state.dataset.on = String(on);
    start.hidden = on || pending !== null;
    remove.hidden = !on;
    remove.dataset.factorId = data?.totp?.[0]?.id ?? '';
  }

  start.addEventListener('click', async () => {
    start.disabled = true;
    errorLine.textContent = '';
    try {
      // An enrolment left unfinished (a reload before its code) would hold the name: drop it first.
      const { data: factors } = await mfa.listFactors(auth);
      for (const stale of factors?.all?.filter((f) => f.factor_type === 'totp' && f.status === 'unverified') ?? [])
        await mfa.unenroll(auth, { factorId: stale.id });
      const { data, error } = await mfa.enroll(auth, { factorType: 'totp', friendlyName: 'Authenticator app', issuer: 'Latchkey notes' });
      if (error) {
        errorLine.textContent = `Could not start: ${error.message} (${error.code})`;
        return;
      }
      pending = data.id;
      qr.src = data.totp.qr_code; // a data:image/svg+xml URI
      secret.textContent = spaced(data.totp.secret);
      secret.dataset.secret = data.totp.secret;
      enrol.hidden = false;
      start.hidden = true;
      input.focus();
    } finally {
      start.disabled = false;
    }
  });

  $('totp-cancel').addEventListener('click', () => {
    if (pending) void mfa.unenroll(auth, { factorId: pending });
    closeEnrolment();
    errorLine.textContent = '';
    start.hidden = false;
  });

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!pending || !form.reportValidity()) return;
    const submit = form.querySelector<HTMLButtonElement>('button[type=submit]')!;
    submit.disabled = true;
    errorLine.textContent = '';
    try {
      // Success emits MFA_CHALLENGE_VERIFIED; the page then shows aal2 (update()).
      const { error } = await mfa.challengeAndVerify(auth, { factorId: pending, code: input.value.trim() });
      if (error) {
        errorLine.textContent = codeError(error);
        input.select();
        return;
      }
      closeEnrolment();
    } finally {
      submit.disabled = false;
    }
  });

  remove.addEventListener('click', async () => {
    const factorId = remove.dataset.factorId;
    if (!factorId) return;
    remove.disabled = true;
    errorLine.textContent = '';
    try {
      // Emits TOKEN_REFRESHED (the session drops to aal1), and the page updates.
      const { error } = await mfa.unenroll(auth, { factorId });
      if (error)
        errorLine.textContent =
          error.code === 'insufficient_aal'
            ? 'Verify a code first: only a two-factor session can turn this off.'
            : `${error.message} (${error.code})`;
    } finally {
      remove.disabled = false;
    }
  });

  return {
    update,
    clear() {
      closeEnrolment();
      errorLine.textContent = '';
    },
  };
}

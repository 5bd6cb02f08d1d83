/**
 * The sign-in screen's email paths: "Email me a sign-in link / code" (`signInWithOtp`) and
 * "Forgot password?" (`resetPasswordForEmail`). Each mails a link and a code; the link comes back
 * to this page as `?code=…` (the client's flowType is `pkce`, so only this browser, which keeps
 * the code verifier, can use it) and `detectSessionInUrl` signs in; the code is typed here
 * (`verifyOtp`). The mail itself is in the dev outbox panel (outbox.ts).
 */
import { resetPasswordForEmail, signInWithOtp, verifyOtp, type LatchkeyClient, type LatchkeyError } from '@latchkey/client';
import { $ } from './dom.js';

type Sent = 'email' | 'recovery';

function explain(error: LatchkeyError): string {
  switch (String(error.code)) {
    case 'over_email_send_rate_limit':
      return `${error.message} (one email of a kind per address a minute). The last one is still in the outbox below.`;
    case 'otp_expired':
      return 'That code is wrong, expired or already used. Check the newest message in the outbox, or ask for a new one.';
    case 'over_request_rate_limit':
      return 'Too many wrong codes: wait a while, or use the link in the email.';
    case 'validation_failed':
    case 'email_address_invalid':
      return 'Check the email address.';
    case 'network_error':
    case 'timeout':
      return "Can't reach the auth server. Is `npm run demo` still running?";
    default:
      return `${error.message} (${error.code})`;
  }
}

/** What a link that came back with an error means, in words (detectSessionInUrl's error). */
export function linkError(error: LatchkeyError): string {
  switch (String(error.code)) {
    case 'otp_expired':
      return 'That email link has expired or was already used (each works once). Ask for a new one.';
    case 'pkce_code_verifier_not_found':
      return 'That link was asked for in another browser (or its request was replaced by a newer one): open it there, or ask for a new one here.';
    case 'flow_state_expired':
    case 'flow_state_not_found':
      return 'That link came back too late or twice. Ask for a new one.';
    default:
      return `The email link did not sign you in: ${error.message} (${error.code})`;
  }
}

export interface EmailPaths {
  /** Hides the code form and the message (after sign-in and sign-out). */
  clear(): void;
}

export function wireEmailPaths(
  auth: LatchkeyClient,
  hooks: { signingIn(active: boolean): void; sent(): void; redirectTo: string },
): EmailPaths {
  const emailInput = $<HTMLInputElement>('auth-form').querySelector<HTMLInputElement>('input[name=email]')!;
  const status = $('email-status');
  const codeForm = $<HTMLFormElement>('code-form');
  const codeInput = $<HTMLInputElement>('otp-code');
  const buttons = [$<HTMLButtonElement>('email-link'), $<HTMLButtonElement>('forgot-password')];
  let pending: { type: Sent; email: string } | null = null;

  const say = (text: string, isError = false) => {
    status.textContent = text;
    status.classList.toggle('error', isError);
  };

  async function send(type: Sent): Promise<void> {
    // Only the address matters here: the password field may be empty.
    if (!emailInput.reportValidity()) return;
    const email = emailInput.value.trim();
    buttons.forEach((button) => (button.disabled = true));
    try {
      const { error } =
        type === 'email'
          ? await signInWithOtp(auth, { email, emailRedirectTo: hooks.redirectTo })
          : await resetPasswordForEmail(auth, email, { redirectTo: hooks.redirectTo });
      if (error) {
        say(explain(error), true);
        return;
      }
      pending = { type, email };
      say(
        type === 'email'
          ? `A sign-in link and code are on their way to ${email}. Open the link in the outbox below, or type the code:`
          : `If ${email} has an account, a recovery link and code are on their way. Open the link in the outbox below, or type the code, then choose a new password:`,
      );
      codeForm.hidden = false;
      codeInput.value = '';
      hooks.sent();
    } finally {
      buttons.forEach((button) => (button.disabled = false));
    }
  }

  $('email-link').addEventListener('click', () => void send('email'));
  $('forgot-password').addEventListener('click', () => void send('recovery'));
  codeForm.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!pending || !codeForm.reportValidity()) return;
    const submit = codeForm.querySelector('button')!;
    submit.disabled = true;
    hooks.signingIn(true);
    try {
      const { error } = await verifyOtp(auth, { type: pending.type, email: pending.email, token: codeInput.value.trim() });
      if (error) say(explain(error), true);
    } finally {
      hooks.signingIn(false);
      submit.disabled = false;
    }
  });

  return {
    clear() {
      pending = null;
      codeForm.hidden = true;
      codeInput.value = '';
      say('');
    },
  };
}

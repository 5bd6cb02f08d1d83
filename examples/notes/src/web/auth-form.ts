/** Sign in / sign up, with errors in words and the next step (a wrong password offers sign-up). */
import type { LatchkeyClient, LatchkeyError } from '@latchkey/client';
import { $ } from './dom.js';

type Action = 'sign-in' | 'sign-up';

interface Explained {
  text: string;
  next?: { label: string; action: Action };
}

function explain(error: LatchkeyError, authHost: string): Explained {
  switch (String(error.code)) {
    case 'invalid_credentials':
      return {
        text: "That email and password don't match an account. Check them, or create an account with them:",
        next: { label: 'Sign up with this email', action: 'sign-up' },
      };
    case 'user_already_exists':
    case 'email_exists':
      return { text: 'There is already an account with this email. Sign in instead:', next: { label: 'Sign in', action: 'sign-in' } };
    case 'weak_password':
      return { text: 'That password is too weak: use at least 8 characters.' };
    case 'validation_failed':
    case 'email_address_invalid':
      return { text: 'Check the email address, and use a password of at least 8 characters.' };
    case 'network_error':
    case 'timeout':
      return { text: `Can't reach the auth server (${authHost}). Is \`npm run demo\` still running? Try again once it is.` };
    case 'over_request_rate_limit':
      return { text: `Too many attempts from here: wait ${Math.ceil((error.retryAfter ?? 60_000) / 1000)} s, then try again.` };
    case 'user_banned':
      return { text: 'This account is banned on this auth server.' };
    case 'service_unavailable':
    case 'unexpected_failure':
      return { text: `The auth server failed (${error.status}). Try again in a moment; its log says why (npm run demo printed where).` };
    default:
      return { text: `${error.message} (${error.code})` };
  }
}

export interface AuthForm {
  /** Empties the form and its error (after sign-in and after sign-out). */
  clear(): void;
}

export function wireAuthForm(auth: LatchkeyClient, authUrl: string, hooks: { signingIn(active: boolean): void }): AuthForm {
  const form = $<HTMLFormElement>('auth-form');
  const errorLine = $('auth-error');
  const buttons = () => [...form.querySelectorAll('button'), ...errorLine.querySelectorAll('button')];

  async function submit(action: Action): Promise<void> {
    if (!form.reportValidity()) return;
    const data = new FormData(form);
    const credentials = { email: String(data.get('email')), password: String(data.get('password')) };
    buttons().forEach((button) => (button.disabled = true));
    hooks.signingIn(true);
    try {
      const { error } = action === 'sign-up' ? await auth.signUp(credentials) : await auth.signInWithPassword(credentials);
      errorLine.replaceChildren();
      if (!error) return;
      const explained = explain(error, new URL(authUrl).host);
      errorLine.append(explained.text);
      errorLine.dataset.code = String(error.code);
      if (explained.next) {
        const { label, action: nextAction } = explained.next;
        const next = document.createElement('button');
        next.type = 'button';
        next.className = 'link';
        next.dataset.testid = `auth-error-${nextAction}`;
        next.textContent = label;
        next.onclick = () => void submit(nextAction);
        errorLine.append(' ', next);
      }
    } finally {
      hooks.signingIn(false);
      buttons().forEach((button) => (button.disabled = false));
    }
  }

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const submitter = (event as SubmitEvent).submitter as HTMLButtonElement | null;
    void submit(submitter?.value === 'sign-up' ? 'sign-up' : 'sign-in');
  });

  return {
    clear() {
      form.reset();
      errorLine.replaceChildren();
      delete errorLine.dataset.code;
    },
  };
}

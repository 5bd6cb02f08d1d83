/** Sign-in: the secret key, sent once and not kept (the field is emptied at once). */
import { signIn } from '../api.js';
import { announce, field, h, replace } from '../dom.js';

export function renderSignIn(main: HTMLElement, done: () => void): void {
  const key = h('input', { type: 'password', name: 'secret_key', autocomplete: 'off', required: true, spellcheck: 'false' });
  const error = h('p', { class: 'error', role: 'alert', id: 'sign-in-error' });
  const form = h(
    'form',
    { class: 'card narrow', 'aria-labelledby': 'sign-in-title' },
    h('h1', { id: 'sign-in-title' }, 'Sign in to the console'),
    field('Secret key', key, 'The admin secret key ("npx latchkey api-keys"). It signs this browser in for an hour and is not stored.'),
    error,
    h('button', { type: 'submit' }, 'Sign in'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = key.value;
    // The key leaves the page's memory as soon as it is sent.
    key.value = '';
    error.textContent = '';
    signIn(value).then(
      () => {
        announce('Signed in.');
        done();
      },
      (e: Error) => {
        error.textContent = e.message;
        key.focus();
      },
    );
  });
  replace(main, form);
  key.focus();
}

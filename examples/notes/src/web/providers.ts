/**
 * "Continue with …": a button per identity provider the auth server has on. The page asks the
 * auth server (`GET /settings` lists enabled providers under `external`, as GoTrue does), so a
 * provider turned on there (LATCHKEY_EXTERNAL_<NAME>_ENABLED) shows up here with no change to the
 * page. `npm run demo` starts one: "Demo IdP", a local OpenID provider (scripts/idp.mjs).
 *
 * A click is `signInWithOAuth`: the browser leaves for the auth server and the provider's login
 * and consent pages, and comes back here with `?code=…` (the client's flowType is pkce), which
 * `detectSessionInUrl` exchanges with the verifier this browser kept — as for an email link.
 */
import { signInWithOAuth, type LatchkeyClient, type LatchkeyError } from '@latchkey/client';
import { $, DEMO_KEY } from './dom.js';

/** Sign-in methods `/settings` lists under `external` that are not providers with a button. */
const NOT_PROVIDERS = new Set(['email', 'phone', 'anonymous_users']);
const NAMES: Record<string, string> = { demo: 'Demo IdP', github: 'GitHub', google: 'Google', gitlab: 'GitLab', azure: 'Microsoft' };
const displayName = (provider: string) => NAMES[provider] ?? provider.charAt(0).toUpperCase() + provider.slice(1);

/** What a failed return from a provider means, in words. */
export function providerError(error: Pick<LatchkeyError, 'code' | 'message' | 'status'>, provider: string): string {
  // The provider's own refusal passes through as `error=access_denied` with its words and no
  // `error_code` (GoTrue's wire): the client reads it as a 403.
  if (error.code === 'unexpected_response' && error.status === 403)
    return `${provider} did not sign you in: the request was declined there.`;
  switch (String(error.code)) {
    case 'provider_unavailable':
      return `${provider} could not be reached. Try again in a moment.`;
    case 'pkce_code_verifier_not_found':
    case 'flow_state_not_found':
    case 'flow_state_expired':
    case 'bad_oauth_state':
      return `That sign-in with ${provider} was started in another tab or browser, or came back too late: start it again here.`;
    default:
      return `${provider} did not sign you in: ${error.message} (${error.code})`;
  }
}

export interface Providers {
  /** The provider this page was sent to before it came back with a code or an error (read once), or null. */
  returningFrom(): string | null;
}

export function wireProviders(auth: LatchkeyClient, authUrl: string, hooks: { redirectTo: string }): Providers {
  const row = $('providers');
  const error = $('auth-error');
  void fetch(`${authUrl}/settings`)
    .then((response) => (response.ok ? (response.json() as Promise<{ external?: Record<string, boolean> }>) : undefined))
    .then((settings) => {
      const names = Object.entries(settings?.external ?? {})
        .filter(([name, on]) => on === true && !NOT_PROVIDERS.has(name))
        .map(([name]) => name);
      for (const name of names) {
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'secondary';
        button.dataset.testid = `continue-with-${name}`;
        button.textContent = `Continue with ${displayName(name)}`;
        button.addEventListener('click', async () => {
          error.textContent = '';
          button.disabled = true;
          // Remembered for this tab only: the page that comes back says which way it was signed in.
          sessionStorage.setItem(DEMO_KEY.providerReturn, displayName(name));
          const { error: failed } = await signInWithOAuth(auth, { provider: name, redirectTo: hooks.redirectTo });
          if (failed) {
            sessionStorage.removeItem(DEMO_KEY.providerReturn);
            error.textContent = providerError(failed, displayName(name));
            button.disabled = false;
          }
        });
        row.append(button);
      }
      row.hidden = names.length === 0;
    })
    // No settings (the auth server is down): no provider buttons; the outage banner says the rest.
    .catch(() => undefined);
  return {
    returningFrom() {
      const name = sessionStorage.getItem(DEMO_KEY.providerReturn);
      sessionStorage.removeItem(DEMO_KEY.providerReturn);
      return name;
    },
  };
}

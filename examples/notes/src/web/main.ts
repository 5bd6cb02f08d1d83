/**
 * The notes SPA. Everything auth goes through one @latchkey/client: it stores the session, refreshes
 * it (once, across tabs), and `auth.fetch` attaches the access token to API calls. The API never
 * sees a refresh token.
 *
 * Beside the notes, the page shows the case Latchkey exists for — 20 API calls the moment the
 * access token expires — with and without it (with-latchkey.ts, without-latchkey.ts), and makes
 * the client's work visible: the events it emits, whether this tab or another refreshed, the
 * refresh counts, an unreachable auth server (outage.ts).
 *
 * Signing in by email (email-paths.ts, outbox.ts, new-password.ts): the client's flowType is
 * `pkce`, so an email link comes back here as `?code=…`, which `detectSessionInUrl` exchanges
 * (with the verifier this browser kept) when the client loads, and cleans from the address bar.
 *
 * Identity providers (providers.ts): a "Continue with …" button per provider the auth server has
 * on; the provider flow comes back here with `?code=…` too, exchanged the same way.
 *
 * Second factors and passkeys (assurance.ts, totp-setup.ts, passkeys.ts): the Security panel sets
 * up an authenticator app and adds passkeys; after any sign-in the page asks for the
 * authenticator code when `getAuthenticatorAssuranceLevel` says aal2 is reachable but not reached,
 * and shows the signed-in panels only then.
 */
import { createClient, detectSessionInUrl, type AuthChangeEvent, type Session } from '@latchkey/client';
import { levelKey, levelOf, wireCodePrompt } from './assurance.js';
import { wireAuthForm } from './auth-form.js';
import { createAuthTraffic, type AuthTraffic } from './auth-traffic.js';
import { $, DEMO_KEY } from './dom.js';
import { linkError, wireEmailPaths } from './email-paths.js';
import { createEventsLog } from './events-log.js';
import { createLane } from './lane.js';
import { wireNewPassword } from './new-password.js';
import { createNotes } from './notes.js';
import { createOutbox } from './outbox.js';
import { watchOutage } from './outage.js';
import { wirePasskeys } from './passkeys.js';
import { providerError, wireProviders } from './providers.js';
import { createSessionPanel } from './session-panel.js';
import { wireTotpSetup } from './totp-setup.js';
import { runWithLatchkey } from './with-latchkey.js';
import { runWithoutLatchkey } from './without-latchkey.js';

interface Config {
  authUrl: string;
  apiUrl: string;
  strictAuthUrl?: string;
  strictApiUrl?: string;
  reuseInterval?: number;
  /** The notes API's view of the auth server's dev outbox (absent: none). */
  outboxUrl?: string;
}

/**
 * What the page shows. `open`: the signed-in panels, once the session's level is known and no
 * second factor is waiting (until then a signed-in page shows only the code prompt, if any).
 */
function render(session: Session | null, open: boolean): void {
  $('whoami').textContent = session ? (session.user.email ?? session.user.id) : 'signed out';
  $('whoami').title = $('whoami').textContent ?? '';
  $('sign-out').hidden = !session;
  $('auth').hidden = !!session;
  for (const id of ['race', 'notes', 'security', 'session']) $(id).hidden = !session || !open;
  $('outbox').hidden = !!session;
  if (!session) $('recover').hidden = true;
}

/** Whether this page was opened by an email link or a provider's return (before the client reads and cleans the URL). */
function openedByLink(): boolean {
  const url = new URL(location.href);
  const fragment = new URLSearchParams(url.hash.slice(1));
  // A provider's own refusal comes back with `error_description` but no `error_code` (as from GoTrue).
  const failed = (params: URLSearchParams) => params.has('error_code') || params.has('error_description');
  return url.searchParams.has('code') || fragment.has('access_token') || failed(url.searchParams) || failed(fragment);
}

function showNotice(text: string | null): void {
  $('notice').hidden = text === null;
  $('notice-text').textContent = text ?? '';
}

/** Why the session ended, for the events log and the notice. */
function signedOutReason(here: boolean, traffic: AuthTraffic): { log: string; notice: string | null } {
  if (here) return { log: 'you signed out here', notice: null };
  const refused = traffic.recentRefusal();
  if (refused)
    return {
      log: `the auth server refused to renew the session (${refused})`,
      notice: `Your session ended: the auth server refused to renew it (${refused}). Sign in again.`,
    };
  const by = localStorage.getItem(DEMO_KEY.signedOutBy) ?? 'user';
  if (by.startsWith('server:')) {
    const code = by.slice('server:'.length);
    return {
      log: `in another tab, after the auth server refused to renew the session (${code})`,
      notice: `You were signed out in another tab: the auth server refused to renew the session there (${code}). Sign in again.`,
    };
  }
  return { log: 'in another tab', notice: 'You were signed out in another tab.' };
}

async function loadConfig(): Promise<Config | undefined> {
  try {
    const response = await fetch('/config.json');
    if (response.ok) return (await response.json()) as Config;
  } catch {
    // reported below
  }
  $('auth-error').textContent = "Can't reach the notes API (/config.json). Is `npm run demo` still running? Reload once it is.";
  return undefined;
}

async function main(): Promise<void> {
  const config = await loadConfig();
  if (!config) return;
  $('reuse-interval').textContent = String(config.reuseInterval ?? 10);
  const traffic = createAuthTraffic(config.authUrl);
  const linked = openedByLink();
  const auth = createClient({ url: config.authUrl, fetch: traffic.fetch, flowType: 'pkce', detectSessionInUrl });
  const api = (path: string, init?: RequestInit) => auth.fetch(`${config.apiUrl}${path}`, init);
  const events = createEventsLog($<HTMLOListElement>('events'));
  const notes = createNotes(api, traffic);
  const panel = createSessionPanel(auth, traffic);
  let current: Session | null = null;
  /** Whether the signed-in panels show (see render); false until the level of a new session is known. */
  let open = false;
  let signingIn = false;
  let signingOut = false;
  /** When this tab last adopted tokens another tab had refreshed. */
  let adoptedAt = -Infinity;
  const form = wireAuthForm(auth, config.authUrl, { signingIn: (active) => (signingIn = active) });
  const codePrompt = wireCodePrompt(auth);
  const totpSetup = wireTotpSetup(auth);
  const passkeys = wirePasskeys(auth, { signingIn: (active) => (signingIn = active) });
  /**
   * Reads the session's level (no request unless a refresh is due) and opens the page, or asks
   * for the authenticator code first. Opening loads the notes.
   */
  let checking = 0;
  /** The level the Security panel shows (its factors are asked for again when it changes). */
  let shownLevel = '';
  const checkLevel = async (session: Session) => {
    const run = ++checking;
    const level = await levelOf(auth, session);
    if (run !== checking || current === null) return; // a later event asked again, or signed out
    const locked = codePrompt.locked(level);
    const opening = !locked && !open;
    open = !locked;
    codePrompt.show(locked);
    render(current, open);
    if (opening) {
      shownLevel = '';
      void notes.load();
      void passkeys.refresh();
    }
    if (open && levelKey(level) !== shownLevel) {
      shownLevel = levelKey(level);
      void totpSetup.update(level);
    }
  };
  const providers = wireProviders(auth, config.authUrl, { redirectTo: `${location.origin}/` });
  /** How this page was opened signed in, until the first sign-in event: an email link or a provider's return. */
  const provider = providers.returningFrom();
  let via: { from: string; by: string; provider: string | null } | null = linked
    ? provider
      ? { from: provider, by: `with ${provider}`, provider }
      : { from: 'the email link', by: 'by the email link', provider: null }
    : null;
  const outbox = createOutbox(config.outboxUrl);
  const emailPaths = wireEmailPaths(auth, {
    signingIn: (active) => (signingIn = active),
    sent: () => void outbox.refresh(),
    // Links come back to this page (the auth server's site URL), where detectSessionInUrl takes the code.
    redirectTo: `${location.origin}/`,
  });
  const newPassword = wireNewPassword(auth, {
    done: () => {
      events.add('USER_UPDATED: new password set');
      showNotice('Your new password is set: use it next time you sign in.');
    },
  });
  /** What a sign-in here (not in another tab) resets. */
  const signedInHere = () => {
    traffic.resetThisTab();
    traffic.resetAllTabs();
    showNotice(null);
    form.clear();
    emailPaths.clear();
  };

  auth.onAuthStateChange((event: AuthChangeEvent, session) => {
    current = session;
    // A new sign-in shows nothing of the signed-in page until its level is known (checkLevel).
    if (!session || event === 'SIGNED_IN' || event === 'INITIAL_SESSION') open = false;
    render(session, open);
    switch (event) {
      case 'INITIAL_SESSION':
        // Opened by an email link, the client has already exchanged it: the session is the link's
        // (SIGNED_IN or PASSWORD_RECOVERY follows), not one found in storage.
        events.add(`INITIAL_SESSION: ${session ? (via ? `session from ${via.from}` : 'session loaded from storage') : 'no session'}`);
        break;
      case 'SIGNED_IN':
        events.add(`SIGNED_IN: ${via ? `here, ${via.by}` : signingIn ? 'here' : 'in another tab'}`);
        if (signingIn || via) signedInHere();
        else {
          traffic.resetThisTab();
          showNotice(null);
          form.clear();
        }
        via = null;
        break;
      case 'PASSWORD_RECOVERY':
        // Emitted in the tab that verified the recovery link or code only: choose the password here.
        events.add(`PASSWORD_RECOVERY: signed in by the recovery ${via ? 'link' : 'code'}; choose a new password`);
        signedInHere();
        newPassword.open();
        via = null;
        break;
      case 'MFA_CHALLENGE_VERIFIED':
        events.add('MFA_CHALLENGE_VERIFIED: the authenticator code raised this session to aal2');
        break;
      case 'TOKEN_REFRESHED':
        if (session && traffic.obtainedHere(session.refresh_token)) events.add('TOKEN_REFRESHED: by this tab');
        else {
          adoptedAt = Date.now();
          events.add('TOKEN_REFRESHED: refreshed by another tab (no request from this one)');
        }
        break;
      case 'SIGNED_OUT': {
        const reason = signedOutReason(signingOut, traffic);
        events.add(`SIGNED_OUT: ${reason.log}`);
        showNotice(reason.notice);
        form.clear();
        emailPaths.clear();
        newPassword.close();
        codePrompt.show(false);
        totpSetup.clear();
        passkeys.clear();
        notes.clear();
        void outbox.refresh();
        break;
      }
      default:
        events.add(event);
    }
    if (event !== 'INITIAL_SESSION') panel.resume();
    panel.update();
    // Callbacks run outside the client's lock, so calling back into the client here is safe.
    if (session) void checkLevel(session);
  });

  // A recovery interrupted by a reload: still signed in by the link, the password not chosen yet.
  if (newPassword.pending()) newPassword.open();
  // What the email link or provider return this page was opened by did (the client ran it on
  // load): an error in words.
  if (via) {
    const opened = via;
    void detectSessionInUrl(auth).then(({ data, error }) => {
      if (data?.session) return; // the SIGNED_IN or PASSWORD_RECOVERY event tells the rest
      via = null;
      // No error and no session: a `?code=` with no verifier kept here, which the client leaves alone.
      $('auth-error').textContent = opened.provider
        ? providerError(error ?? { code: 'pkce_code_verifier_not_found', message: '', status: 0 }, opened.provider)
        : error
          ? linkError(error)
          : 'This page was opened by an email link this browser did not ask for (or has used already): ask for a new one here.';
      void outbox.refresh();
    });
  }
  void auth.getSession().then(({ data }) => {
    if (!data.session) void outbox.refresh();
  });

  watchOutage({
    auth,
    traffic,
    authUrl: config.authUrl,
    signedIn: () => current !== null,
    onRecovered: () => {
      if (current) void notes.recovered();
    },
  });

  $('notice-close').addEventListener('click', () => showNotice(null));
  $('sign-out').addEventListener('click', async () => {
    // Told to the other tabs before the session leaves storage, so their notice can say why.
    localStorage.setItem(DEMO_KEY.signedOutBy, 'user');
    signingOut = true;
    try {
      await auth.signOut({ scope: 'local' });
    } finally {
      signingOut = false;
    }
  });

  const naiveLane = createLane({ calls: 'naive-calls', verdict: 'naive-result', log: 'naive-log' });
  const latchkeyLane = createLane({ calls: 'latchkey-calls', verdict: 'burst-result', log: 'latchkey-log' });
  const strict = config.strictAuthUrl && config.strictApiUrl ? { authUrl: config.strictAuthUrl, apiUrl: config.strictApiUrl } : undefined;
  $('expire-now').addEventListener('click', () => panel.expireNow());
  $('burst').addEventListener('click', async () => {
    const controls = [$<HTMLButtonElement>('burst'), $<HTMLButtonElement>('expire-now')];
    controls.forEach((button) => (button.disabled = true));
    try {
      await Promise.all([
        runWithoutLatchkey(strict, naiveLane),
        runWithLatchkey(
          {
            api,
            traffic,
            secondsLeft: panel.secondsLeft,
            signedIn: () => current !== null,
            adoptedAt: () => adoptedAt,
          },
          latchkeyLane,
        ),
      ]);
    } finally {
      controls.forEach((button) => (button.disabled = false));
      panel.resume();
      panel.update();
    }
  });
}

void main();

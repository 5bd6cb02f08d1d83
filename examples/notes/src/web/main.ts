/**
 * The notes SPA. Everything auth goes through one @latchkey/client: it stores the session, refreshes
 * it (once, across tabs), and `auth.fetch` attaches the access token to API calls. The API never
 * sees a refresh token.
 *
 * Beside the notes, the page shows the case Latchkey exists for — 20 API calls the moment the
 * access token expires — with and without it (with-latchkey.ts, without-latchkey.ts), and makes
 * the client's work visible: the events it emits, whether this tab or another refreshed, the
 * refresh counts, an unreachable auth server (outage.ts).
 */
import { createClient, type AuthChangeEvent, type Session } from '@latchkey/client';
import { wireAuthForm } from './auth-form.js';
import { createAuthTraffic, type AuthTraffic } from './auth-traffic.js';
import { $, DEMO_KEY } from './dom.js';
import { createEventsLog } from './events-log.js';
import { createLane } from './lane.js';
import { createNotes } from './notes.js';
import { watchOutage } from './outage.js';
import { createSessionPanel } from './session-panel.js';
import { runWithLatchkey } from './with-latchkey.js';
import { runWithoutLatchkey } from './without-latchkey.js';

interface Config {
  authUrl: string;
  apiUrl: string;
  strictAuthUrl?: string;
  strictApiUrl?: string;
  reuseInterval?: number;
}

function render(session: Session | null): void {
  $('whoami').textContent = session ? (session.user.email ?? session.user.id) : 'signed out';
  $('whoami').title = $('whoami').textContent ?? '';
  $('sign-out').hidden = !session;
  $('auth').hidden = !!session;
  for (const id of ['race', 'notes', 'session']) $(id).hidden = !session;
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
  const auth = createClient({ url: config.authUrl, fetch: traffic.fetch });
  const api = (path: string, init?: RequestInit) => auth.fetch(`${config.apiUrl}${path}`, init);
  const events = createEventsLog($<HTMLOListElement>('events'));
  const notes = createNotes(api, traffic);
  const panel = createSessionPanel(auth, traffic);
  let current: Session | null = null;
  let signingIn = false;
  let signingOut = false;
  /** When this tab last adopted tokens another tab had refreshed. */
  let adoptedAt = -Infinity;
  const form = wireAuthForm(auth, config.authUrl, { signingIn: (active) => (signingIn = active) });

  auth.onAuthStateChange((event: AuthChangeEvent, session) => {
    const wasSignedIn = current !== null;
    current = session;
    render(session);
    switch (event) {
      case 'INITIAL_SESSION':
        events.add(`INITIAL_SESSION: ${session ? 'session loaded from storage' : 'no session'}`);
        break;
      case 'SIGNED_IN':
        events.add(`SIGNED_IN: ${signingIn ? 'here' : 'in another tab'}`);
        traffic.resetThisTab();
        if (signingIn) traffic.resetAllTabs();
        showNotice(null);
        form.clear();
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
        notes.clear();
        break;
      }
      default:
        events.add(event);
    }
    if (event !== 'INITIAL_SESSION') panel.resume();
    panel.update();
    // Callbacks run outside the client's lock, so calling back into the client here is safe.
    if (session && (!wasSignedIn || event === 'SIGNED_IN')) void notes.load();
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

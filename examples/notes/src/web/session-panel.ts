/**
 * The session panel's live values (access-token countdown, refresh counts for this tab and all
 * tabs) and the "Expire the access token now" control.
 *
 * Expiring now: the client decides when to refresh by `expires_at` in its stored session, on this
 * device's clock. The control sets that to the past, as if the tab had been in the background
 * past expiry, and pauses auto-refresh (which would otherwise renew it at once) until the next
 * refresh. The access token itself is unchanged; the client simply treats it as expired.
 */
import { DEFAULT_STORAGE_KEY, type LatchkeyClient, type Session } from '@latchkey/client';
import type { AuthTraffic } from './auth-traffic.js';
import { $ } from './dom.js';

export interface SessionPanel {
  expireNow(): void;
  /** Resumes auto-refresh if expireNow paused it (after the next refresh or sign-out). */
  resume(): void;
  /** Seconds until the access token expires, as the client sees it; undefined without a session. */
  secondsLeft(): number | undefined;
  update(): void;
}

function storedSession(): Session | null {
  try {
    return JSON.parse(localStorage.getItem(DEFAULT_STORAGE_KEY) ?? 'null') as Session | null;
  } catch {
    return null;
  }
}

export function createSessionPanel(auth: LatchkeyClient, traffic: AuthTraffic): SessionPanel {
  let paused = false;
  const secondsLeft = () => {
    const session = storedSession();
    return session ? Math.round(session.expires_at - Date.now() / 1000) : undefined;
  };
  const update = () => {
    const left = secondsLeft();
    $('refresh-count').textContent = String(traffic.thisTab());
    $('refresh-count-all').textContent = String(traffic.allTabs());
    if (left === undefined) return;
    $('expires').textContent = left > 0 ? `expires in ${left} s` : `expired ${-left} s ago; the next API call refreshes it`;
    $('token-state').textContent =
      left > 0
        ? `Valid for ${left} more seconds: calls need no refresh yet.`
        : paused
          ? 'Expired. Auto-refresh is paused until the next refresh, so nothing renews it before you fire.'
          : 'Expired: the next call refreshes it.';
    $('token-state').dataset.expired = String(left <= 0);
  };
  setInterval(update, 500);
  // Other tabs' refreshes move the all-tabs count.
  window.addEventListener('storage', update);

  return {
    expireNow() {
      const session = storedSession();
      if (!session) return;
      auth.stopAutoRefresh();
      paused = true;
      localStorage.setItem(DEFAULT_STORAGE_KEY, JSON.stringify({ ...session, expires_at: Math.floor(Date.now() / 1000) - 1 }));
      update();
    },
    resume() {
      if (!paused) return;
      paused = false;
      auth.startAutoRefresh();
    },
    secondsLeft,
    update,
  };
}

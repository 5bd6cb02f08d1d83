/**
 * The `fetch` the page gives @latchkey/client, watching its traffic with the auth server: it counts
 * refresh requests (this tab, and all tabs through localStorage), remembers which refresh tokens
 * this tab obtained (so the events log can tell "refreshed by this tab" from "by another tab"),
 * and reports whether the auth server answers. It never changes a request or a response.
 */
import { DEMO_KEY } from './dom.js';

export type RefreshNotice = { phase: 'sent' } | { phase: 'answered'; status: number; code: string | undefined } | { phase: 'no_answer' };

/** The refresh endpoint's answers that end a session (as @latchkey/client reads them). */
export const DEFINITIVE = new Set([
  'refresh_token_not_found',
  'refresh_token_already_used',
  'session_not_found',
  'session_expired',
  'user_not_found',
  'user_banned',
]);

export interface AuthTraffic {
  fetch: typeof fetch;
  /** Refresh requests this tab sent since the session began. */
  thisTab(): number;
  /** Refresh requests every tab sent since the session began. */
  allTabs(): number;
  /** A new session began (signed in here or elsewhere): this tab's count starts again. */
  resetThisTab(): void;
  /** Starts the all-tabs count again (the tab that signed in does it). */
  resetAllTabs(): void;
  /** True when this tab's own refresh returned `refreshToken`. */
  obtainedHere(refreshToken: string): boolean;
  /** The definitive refusal this tab's refresh got in the last few seconds, if any. */
  recentRefusal(): string | undefined;
  /** Whether the auth server answered the last request (a 5xx counts as not answering). */
  reachable(): boolean;
  onRefresh(listener: (notice: RefreshNotice) => void): () => void;
  onReachability(listener: (reachable: boolean) => void): () => void;
}

export function createAuthTraffic(authUrl: string): AuthTraffic {
  let thisTab = 0;
  let reachable = true;
  let refusal: { code: string; at: number } | undefined;
  const obtained: string[] = [];
  const refreshListeners = new Set<(notice: RefreshNotice) => void>();
  const reachListeners = new Set<(reachable: boolean) => void>();

  const allTabs = () => Number(localStorage.getItem(DEMO_KEY.refreshCount) ?? 0);
  const notify = (notice: RefreshNotice) => refreshListeners.forEach((listener) => listener(notice));
  const setReachable = (value: boolean) => {
    if (value === reachable) return;
    reachable = value;
    reachListeners.forEach((listener) => listener(value));
  };

  const watched: typeof fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.startsWith(authUrl)) return fetch(input, init);
    const isRefresh = url.includes('grant_type=refresh_token');
    if (isRefresh) {
      thisTab++;
      // Refreshes run under the client's cross-tab lock, so tabs never bump this at the same moment.
      localStorage.setItem(DEMO_KEY.refreshCount, String(allTabs() + 1));
      notify({ phase: 'sent' });
    }
    let response: Response;
    try {
      response = await fetch(input, init);
    } catch (error) {
      setReachable(false);
      if (isRefresh) notify({ phase: 'no_answer' });
      throw error;
    }
    setReachable(response.status < 500);
    if (isRefresh) {
      // Read before the client sees the response, so the token is known here before its event.
      const body = (await response
        .clone()
        .json()
        .catch(() => ({}))) as { refresh_token?: string; code?: unknown; error_code?: string };
      const code = typeof body.code === 'string' ? body.code : body.error_code;
      if (response.ok && body.refresh_token && obtained.push(body.refresh_token) > 20) obtained.shift();
      if (!response.ok && code && DEFINITIVE.has(code)) {
        refusal = { code, at: Date.now() };
        // The other tabs learn why the session ended before the client removes it from storage.
        localStorage.setItem(DEMO_KEY.signedOutBy, `server:${code}`);
      }
      notify({ phase: 'answered', status: response.status, code });
    }
    return response;
  };

  return {
    fetch: watched,
    thisTab: () => thisTab,
    allTabs,
    resetThisTab: () => void (thisTab = 0),
    resetAllTabs: () => localStorage.setItem(DEMO_KEY.refreshCount, '0'),
    obtainedHere: (token) => obtained.includes(token),
    recentRefusal: () => (refusal && Date.now() - refusal.at < 10_000 ? refusal.code : undefined),
    reachable: () => reachable,
    onRefresh(listener) {
      refreshListeners.add(listener);
      return () => refreshListeners.delete(listener);
    },
    onReachability(listener) {
      reachListeners.add(listener);
      return () => reachListeners.delete(listener);
    },
  };
}

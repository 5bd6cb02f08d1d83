/**
 * React Native: there is no page visibility, and timers do not run while the app is in the
 * background. Tie auto-refresh to `AppState`: run it while the app is active, stop it otherwise;
 * on return to the foreground the scheduler refreshes at once if the session came due meanwhile.
 */
import type { LatchkeyClient } from './client.js';

/** The part of React Native's `AppState` the helper uses. */
export interface AppStateLike {
  currentState: string | null;
  addEventListener(type: 'change', listener: (state: string) => void): { remove(): void };
}

/**
 * Runs the client's auto-refresh while the app is in the foreground. Returns the function that
 * stops listening.
 *
 * @example
 * import { AppState } from 'react-native';
 * const stop = autoRefreshOnAppState(auth, AppState);
 */
export function autoRefreshOnAppState(
  client: Pick<LatchkeyClient, 'startAutoRefresh' | 'stopAutoRefresh'>,
  appState: AppStateLike,
): () => void {
  const apply = (state: string | null) => (state === 'active' ? client.startAutoRefresh() : client.stopAutoRefresh());
  apply(appState.currentState);
  const subscription = appState.addEventListener('change', apply);
  return () => {
    subscription.remove();
    client.stopAutoRefresh();
  };
}

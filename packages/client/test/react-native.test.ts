/** The AppState helper: auto-refresh runs only while the app is active. */
import { describe, expect, it } from 'vitest';
import { autoRefreshOnAppState } from '../src/react-native.js';

function fakeAppState(initial: string) {
  const listeners = new Set<(state: string) => void>();
  return {
    currentState: initial,
    addEventListener(_type: 'change', listener: (state: string) => void) {
      listeners.add(listener);
      return { remove: () => listeners.delete(listener) };
    },
    set(state: string) {
      this.currentState = state;
      for (const listener of listeners) listener(state);
    },
    count: () => listeners.size,
  };
}

describe('autoRefreshOnAppState', () => {
  it('starts when active, stops in background, and stops listening when disposed', () => {
    const calls: string[] = [];
    const client = { startAutoRefresh: () => void calls.push('start'), stopAutoRefresh: () => void calls.push('stop') };
    const appState = fakeAppState('active');
    const stop = autoRefreshOnAppState(client, appState);
    appState.set('background');
    appState.set('active');
    appState.set('inactive');
    expect(calls).toEqual(['start', 'stop', 'start', 'stop']);
    stop();
    expect(appState.count()).toBe(0);
    appState.set('active');
    expect(calls).toEqual(['start', 'stop', 'start', 'stop', 'stop']);
  });
});

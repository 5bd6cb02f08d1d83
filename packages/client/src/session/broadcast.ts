/**
 * Cross-tab notification over `BroadcastChannel`: after a tab writes the session it posts a bare
 * "changed" (never a token); the other tabs re-read storage. Storage events do the same job where
 * `BroadcastChannel` is missing; both arriving is harmless, since a re-read that finds nothing new
 * does nothing.
 */

export interface Broadcast {
  post(): void;
  close(): void;
}

/** Opens the channel in browsers; undefined elsewhere (Node has the API, but no tabs to tell). */
export function openBroadcast(name: string, onChanged: () => void): Broadcast | undefined {
  if (typeof BroadcastChannel === 'undefined' || typeof document === 'undefined') return undefined;
  const channel = new BroadcastChannel(name);
  channel.onmessage = () => onChanged();
  return {
    post: () => channel.postMessage('changed'),
    close: () => channel.close(),
  };
}

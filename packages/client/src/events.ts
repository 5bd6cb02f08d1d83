/**
 * The `onAuthStateChange` emitter. Callbacks are user code: they are called after the critical
 * section that caused the change (never while a lock is held), never awaited (so a callback that
 * calls back into the client cannot deadlock it), and one that throws does not stop the others.
 */
import type { AuthChangeEvent, AuthStateListener, Session } from './types.js';

export interface Emitter {
  on(listener: AuthStateListener): () => void;
  emit(event: AuthChangeEvent, session: Session | null): void;
  /** Calls one listener only (its `INITIAL_SESSION`). */
  emitTo(listener: AuthStateListener, event: AuthChangeEvent, session: Session | null): void;
  clear(): void;
}

function report(error: unknown): void {
  // Surfaced, not swallowed; and it does not break the client or the other listeners.
  const reportError = (globalThis as { reportError?: (error: unknown) => void }).reportError;
  if (reportError) reportError(error);
  else console.error('onAuthStateChange callback failed:', error);
}

function call(listener: AuthStateListener, event: AuthChangeEvent, session: Session | null): void {
  try {
    const result = listener(event, session);
    if (result && typeof (result as Promise<void>).then === 'function') (result as Promise<void>).then(undefined, report);
  } catch (error) {
    report(error);
  }
}

export function createEmitter(): Emitter {
  const listeners = new Set<AuthStateListener>();
  return {
    on(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    emit(event, session) {
      for (const listener of [...listeners]) if (listeners.has(listener)) call(listener, event, session);
    },
    emitTo(listener, event, session) {
      if (listeners.has(listener)) call(listener, event, session);
    },
    clear: () => listeners.clear(),
  };
}

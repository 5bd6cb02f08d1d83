/** A named mutual-exclusion lock. The client holds it only for storage reads/writes and one refresh request. */
export interface Lock {
  /** Runs `fn` while holding the lock `name`, and resolves to its result. */
  run<T>(name: string, fn: () => Promise<T>): Promise<T>;
}

/**
 * How the flows exported as functions (`signInWithOtp(auth, …)`, `verifyOtp(auth, …)`, …) reach
 * the modules of the client they are given. A client carries one function under a symbol; it
 * hands its wired context to a callback. The symbol is private to this copy of the package (not
 * `Symbol.for`): a flow of another copy cannot drive this copy's modules, whose shapes may differ.
 *
 * Why functions rather than methods: an app that only signs in and refreshes must not ship the
 * email flows. Functions it never imports are dropped by its bundler; methods on the object
 * `createClient` returns never can be.
 */
import type { Context } from './context.js';
import { LatchkeyError } from './errors.js';
import type { Result } from './types.js';

export const INTERNALS = Symbol('latchkey.client.internals');

/** What a client carries under {@link INTERNALS}: runs `fn` with its context. */
export type Runner = <T>(fn: (ctx: Context) => Promise<T>) => Promise<T>;

/**
 * Runs `fn` with the context of `client`; a result with `invalid_argument` when `client` is not
 * one made by this copy's `createClient` (or `@latchkey/ssr`'s `createServerClient`).
 */
export function withClient<T>(client: unknown, keys: (keyof T)[], fn: (ctx: Context) => Promise<Result<T>>): Promise<Result<T>> {
  const run = (client as { [INTERNALS]?: unknown } | null)?.[INTERNALS];
  if (typeof run !== 'function') {
    const data = Object.fromEntries(keys.map((key) => [key, null])) as { [K in keyof T]: null };
    const error = new LatchkeyError(
      'invalid_argument',
      'Pass the client made by createClient (or createServerClient) of the same copy of @latchkey/client.',
    );
    return Promise.resolve({ data, error });
  }
  return (run as Runner)(fn);
}

/**
 * Marks the audit entries an admin call makes when the console made the call: the handler runs
 * the route inside `viaConsole.run(true, …)`, and app.audit adds `via: "console"` to the entry's
 * data. The admin routes themselves stay unaware of who called them.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export const viaConsole = new AsyncLocalStorage<true>();

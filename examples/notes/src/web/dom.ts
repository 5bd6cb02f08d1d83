/** Small DOM helpers shared by the page's modules. */

export const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const element = document.getElementById(id);
  if (!element) throw new Error(`#${id} is missing from index.html`);
  return element as T;
};

/** Wall-clock time for people: 14:03:05. */
export function timeOfDay(date = new Date()): string {
  return date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit', hour12: false });
}

/** "1 refresh request", "3 refresh requests". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/** Where the page keeps its own small state in Web Storage (apart from the client's session key). */
export const DEMO_KEY = {
  /** Refresh requests sent by every tab, this session (localStorage). */
  refreshCount: 'notes-demo.refresh-requests',
  /** Why the session ended, written by the tab that ended it (localStorage): `user` or `server:<code>`. */
  signedOutBy: 'notes-demo.signed-out-by',
  /** This tab's auth events, kept across reloads (sessionStorage). */
  events: 'notes-demo.events',
  /** The provider this tab went to sign in with, until the page comes back (sessionStorage). */
  providerReturn: 'notes-demo.provider-return',
  /** This tab's throwaway user on the strict server (sessionStorage). */
  throwaway: 'notes-demo.throwaway-user',
} as const;

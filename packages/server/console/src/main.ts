/** The console's shell: sign-in or the signed-in pages, routed by the URL's hash (#/users/…). */
import { resume, signOut, whenSignedOut } from './api.js';
import { announce, h, replace } from './dom.js';
import { renderAudit } from './pages/audit.js';
import { renderKeys } from './pages/keys.js';
import { renderOutbox } from './pages/outbox.js';
import { renderOverview } from './pages/overview.js';
import { renderSettings } from './pages/settings.js';
import { renderSignIn } from './pages/sign-in.js';
import { renderUser } from './pages/user.js';
import { renderUsers } from './pages/users.js';

type Page = (main: HTMLElement, params: URLSearchParams, id?: string) => Promise<void>;

const PAGES: { path: string; label: string; render: Page }[] = [
  { path: 'overview', label: 'Overview', render: renderOverview },
  { path: 'users', label: 'Users', render: renderUsers },
  { path: 'audit', label: 'Audit', render: renderAudit },
  { path: 'keys', label: 'Keys', render: renderKeys },
  { path: 'outbox', label: 'Mail outbox', render: renderOutbox },
  { path: 'settings', label: 'Settings', render: renderSettings },
];

const main = document.getElementById('main') as HTMLElement;
const nav = document.getElementById('nav') as HTMLElement;
const signOutButton = document.getElementById('sign-out') as HTMLButtonElement;
let signedIn = false;

function showSignIn(): void {
  signedIn = false;
  nav.hidden = true;
  signOutButton.hidden = true;
  document.title = 'Sign in · Latchkey console';
  renderSignIn(main, () => {
    signedIn = true;
    void route();
  });
}

/** Parses `#/users/<id>?q=…` into the page, an id, and the query. */
function where(): { path: string; id: string | undefined; params: URLSearchParams } {
  const hash = location.hash.replace(/^#\/?/, '');
  const [pathPart = '', query = ''] = hash.split('?');
  const [path = 'overview', id] = pathPart.split('/');
  return { path: path || 'overview', id: id ? decodeURIComponent(id) : undefined, params: new URLSearchParams(query) };
}

async function route(): Promise<void> {
  if (!signedIn) return showSignIn();
  nav.hidden = false;
  signOutButton.hidden = false;
  const { path, id, params } = where();
  const page = PAGES.find((p) => p.path === path) ?? (PAGES[0] as (typeof PAGES)[number]);
  const render = path === 'users' && id ? renderUser : page.render;
  replace(nav, ...PAGES.map((p) => h('a', { href: `#/${p.path}`, 'aria-current': p === page ? 'page' : null }, p.label)));
  document.title = `${page.label} · Latchkey console`;
  // Each visit draws into a view of its own: a page still loading when the user (or the URL)
  // moves on finishes into its detached view, never over the page that replaced it.
  const view = h('div', {});
  replace(main, view);
  replace(view, h('p', { class: 'muted' }, 'Loading…'));
  try {
    await render(view, params, id);
  } catch (error) {
    replace(view, h('h1', {}, page.label), h('p', { class: 'error', role: 'alert' }, (error as Error).message));
  }
  if (view.isConnected) main.focus({ preventScroll: true });
}

whenSignedOut(() => {
  if (signedIn) announce('Your console session ended; sign in again.', 'error');
  showSignIn();
});

signOutButton.addEventListener('click', () => {
  void signOut().then(() => {
    announce('Signed out.');
    showSignIn();
  });
});

window.addEventListener('hashchange', () => void route());

void resume().then((ok) => {
  signedIn = ok;
  void route();
});

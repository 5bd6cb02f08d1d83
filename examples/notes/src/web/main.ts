/**
 * The notes SPA. Everything auth goes through one @latchkey/client: it stores the session, refreshes
 * it (once, across tabs), and `auth.fetch` attaches the access token to API calls. The API never
 * sees a refresh token.
 */
import { createClient, type AuthChangeEvent, type Session } from '@latchkey/client';

interface Note {
  id: string;
  text: string;
  created_at: string;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

/** Counts the refresh requests this tab sends, at the network layer (the panel shows it). */
let refreshRequests = 0;
const countingFetch: typeof fetch = (input, init) => {
  if (String(input instanceof Request ? input.url : input).includes('grant_type=refresh_token')) {
    refreshRequests++;
    $('refresh-count').textContent = String(refreshRequests);
  }
  return fetch(input, init);
};

function logEvent(text: string): void {
  const item = document.createElement('li');
  item.textContent = `${new Date().toLocaleTimeString()}  ${text}`;
  $('events').prepend(item);
}

function render(session: Session | null): void {
  $('whoami').textContent = session ? (session.user.email ?? session.user.id) : 'signed out';
  $('sign-out').hidden = !session;
  $('auth').hidden = !!session;
  $('notes').hidden = !session;
  $('session').hidden = !session;
  if (!session) $('note-list').replaceChildren();
}

async function main(): Promise<void> {
  const config = (await (await fetch('/config.json')).json()) as { authUrl: string; apiUrl: string };
  const auth = createClient({ url: config.authUrl, fetch: countingFetch });
  let current: Session | null = null;

  const api = async (path: string, init?: RequestInit) => auth.fetch(`${config.apiUrl}${path}`, init);

  async function loadNotes(): Promise<void> {
    const res = await api('/notes');
    if (!res.ok) {
      $('notes-error').textContent = `Could not load notes (${res.status})`;
      return;
    }
    $('notes-error').textContent = '';
    const notes = (await res.json()) as Note[];
    $('notes-error').textContent = '';
    $('note-list').dataset.empty = String(notes.length === 0);
    $('note-list').replaceChildren(
      ...notes.map((note) => {
        const item = document.createElement('li');
        item.dataset.testid = 'note';
        item.textContent = note.text;
        const remove = document.createElement('button');
        remove.textContent = 'Delete';
        remove.dataset.testid = 'delete-note';
        remove.onclick = async () => {
          await api(`/notes/${note.id}`, { method: 'DELETE' });
          await loadNotes();
        };
        item.append(remove);
        return item;
      }),
    );
  }

  auth.onAuthStateChange((event: AuthChangeEvent, session) => {
    logEvent(event);
    const wasSignedIn = current !== null;
    current = session;
    render(session);
    // Callbacks run outside the client's lock, so calling back into the client here is safe.
    if (session && (!wasSignedIn || event === 'SIGNED_IN')) void loadNotes();
  });

  setInterval(() => {
    if (!current) return;
    const seconds = Math.round(current.expires_at - Date.now() / 1000);
    $('expires').textContent = seconds > 0 ? `in ${seconds} s` : `expired ${-seconds} s ago (refreshes on next use)`;
  }, 500);

  $('auth-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const action = ((event as SubmitEvent).submitter as HTMLButtonElement | null)?.value ?? 'sign-in';
    const data = new FormData(form);
    const credentials = { email: String(data.get('email')), password: String(data.get('password')) };
    const { error } = action === 'sign-up' ? await auth.signUp(credentials) : await auth.signInWithPassword(credentials);
    $('auth-error').textContent = error ? `${error.code}: ${error.message}` : '';
  });

  $('note-form').addEventListener('submit', async (event) => {
    event.preventDefault();
    const form = event.target as HTMLFormElement;
    const text = String(new FormData(form).get('text'));
    const res = await api('/notes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
    if (res.ok) form.reset();
    await loadNotes();
  });

  $('sign-out').addEventListener('click', () => void auth.signOut({ scope: 'local' }));

  // The case Latchkey exists for: many API calls at once right after the access token expired.
  // auth.fetch waits for one refresh and every call goes out with the new token.
  $('burst').addEventListener('click', async () => {
    $('burst-result').textContent = 'running…';
    const before = refreshRequests;
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        api('/ping').then(
          (r) => r.ok,
          () => false,
        ),
      ),
    );
    const ok = results.filter(Boolean).length;
    $('burst-result').textContent = `${ok}/20 succeeded, ${refreshRequests - before} refresh request(s)`;
  });
}

void main();

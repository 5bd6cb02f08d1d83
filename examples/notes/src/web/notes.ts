/** The notes list: load, add, delete, with failures said in words and a next step. */
import type { AuthTraffic } from './auth-traffic.js';
import { $ } from './dom.js';

interface Note {
  id: string;
  text: string;
  created_at: string;
}

export interface Notes {
  load(): Promise<void>;
  clear(): void;
  /** The auth server is reachable again: load what failed to load, say a waiting note can go now. */
  recovered(): Promise<void>;
}

type Api = (path: string, init?: RequestInit) => Promise<Response>;

export function createNotes(api: Api, traffic: AuthTraffic): Notes {
  const list = $<HTMLUListElement>('note-list');
  const errorLine = $('notes-error');
  const form = $<HTMLFormElement>('note-form');
  /** What failed while the auth server was unreachable, to pick up when it is back. */
  let waiting: 'load' | 'save' | undefined;

  /** Why a request failed, for a person; `status` 0 means the notes API did not answer. */
  function reason(status: number): string {
    if (status === 0) return "the notes API doesn't answer (is `npm run demo` still running?)";
    if (status === 401 && !traffic.reachable())
      return "your access token has expired and the auth server can't be reached to renew it (you are still signed in)";
    if (status === 401) return 'the notes API refused your access token (401); signing out and in again fixes it';
    if (status === 422) return 'a note needs 1 to 500 characters';
    return `the notes API failed (${status})`;
  }

  function showError(text: string, retry?: () => void): void {
    errorLine.dataset.tone = 'error';
    errorLine.replaceChildren(text);
    if (!retry) return;
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'link';
    button.textContent = 'Try again';
    button.onclick = retry;
    errorLine.append(' ', button);
  }

  async function send(path: string, init?: RequestInit): Promise<Response | number> {
    try {
      return await api(path, init);
    } catch {
      return 0;
    }
  }

  function render(notes: Note[]): void {
    list.dataset.empty = String(notes.length === 0);
    list.replaceChildren(
      ...notes.map((note) => {
        const item = document.createElement('li');
        item.dataset.testid = 'note';
        const text = document.createElement('span');
        text.textContent = note.text;
        const remove = document.createElement('button');
        remove.textContent = 'Delete';
        remove.dataset.testid = 'delete-note';
        remove.onclick = async () => {
          const res = await send(`/notes/${note.id}`, { method: 'DELETE' });
          const status = typeof res === 'number' ? res : res.status;
          if (status !== 204 && status !== 404) return showError(`Couldn't delete that note: ${reason(status)}.`, () => remove.click());
          await load();
        };
        item.append(text, remove);
        return item;
      }),
    );
  }

  async function load(): Promise<void> {
    const res = await send('/notes');
    if (typeof res === 'number' || !res.ok) {
      const status = typeof res === 'number' ? res : res.status;
      const authDown = status === 401 && !traffic.reachable();
      if (authDown) waiting = 'load';
      showError(
        `Couldn't load your notes: ${reason(status)}.${authDown ? ' They load by themselves when it is back.' : ''}`,
        authDown ? undefined : () => void load(),
      );
      return;
    }
    if (waiting === 'load') waiting = undefined;
    // A save still waiting for the auth server keeps its message.
    if (waiting !== 'save') errorLine.replaceChildren();
    render((await res.json()) as Note[]);
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const text = String(new FormData(form).get('text'));
    const res = await send('/notes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
    if (typeof res === 'number' || !res.ok) {
      const status = typeof res === 'number' ? res : res.status;
      const authDown = status === 401 && !traffic.reachable();
      if (authDown) waiting = 'save';
      // The text stays in the box: nothing typed is lost.
      showError(
        `Couldn't save your note: ${reason(status)}. It is still in the box: press Add again${authDown ? ' once the auth server is back' : ''}.`,
      );
      return;
    }
    waiting = undefined;
    errorLine.replaceChildren();
    form.reset();
    await load();
  });

  return {
    load,
    clear() {
      list.replaceChildren();
      delete list.dataset.empty;
      errorLine.replaceChildren();
      form.reset();
      waiting = undefined;
    },
    async recovered() {
      const saveWaiting = waiting === 'save';
      waiting = undefined;
      await load();
      if (saveWaiting && !errorLine.textContent) {
        errorLine.dataset.tone = 'info';
        errorLine.replaceChildren('The auth server is back: press Add to save your note.');
      }
    },
  };
}

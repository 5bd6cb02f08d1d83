/**
 * The dev outbox panel: the mail the auth server would have sent, read through the notes API's
 * `/dev/outbox` (which holds the auth server's secret key; the page never sees it). A person
 * clicks a message's link or reads its code, as they would in a mail client.
 */
import { $, plural, timeOfDay } from './dom.js';

interface Message {
  id: string;
  created_at: string;
  to: string;
  kind: string;
  status: string;
  subject?: string;
  link?: string;
  code?: string;
  last_error?: string | null;
}

export interface Outbox {
  /** Reads the outbox again and shows it. */
  refresh(): Promise<void>;
}

function item(message: Message): HTMLLIElement {
  const li = document.createElement('li');
  li.dataset.testid = 'outbox-message';
  li.dataset.kind = message.kind;
  const head = document.createElement('div');
  head.className = 'outbox-head';
  const subject = document.createElement('b');
  subject.textContent = message.subject ?? message.kind;
  const meta = document.createElement('small');
  meta.textContent = `to ${message.to} · ${timeOfDay(new Date(message.created_at))}`;
  head.append(subject, ' ', meta);
  li.append(head);
  if (message.status !== 'outbox') {
    // `suppressed`: a request that deliberately sent nothing (an unknown address), with the reason.
    const why = document.createElement('p');
    why.className = 'outbox-why';
    why.textContent = `Not sent (${message.status}${message.last_error ? `: ${message.last_error}` : ''}).`;
    li.append(why);
  }
  if (message.code || message.link) {
    const body = document.createElement('div');
    body.className = 'row wrap outbox-body';
    if (message.code) {
      const code = document.createElement('span');
      code.append('Code ');
      const value = document.createElement('code');
      value.dataset.testid = 'outbox-code';
      value.textContent = message.code;
      code.append(value);
      body.append(code);
    }
    if (message.link) {
      const link = document.createElement('a');
      link.href = message.link;
      link.dataset.testid = 'outbox-link';
      link.textContent = message.kind === 'recovery' ? 'Open the recovery link' : 'Open the sign-in link';
      body.append(link);
    }
    li.append(body);
  }
  return li;
}

export function createOutbox(url: string | undefined): Outbox {
  const list = $<HTMLOListElement>('outbox-list');
  const state = $('outbox-state');
  async function refresh(): Promise<void> {
    if (!url) {
      state.textContent = 'This notes API has no outbox (it was started without the auth server’s secret key).';
      return;
    }
    try {
      const response = await fetch(url, { cache: 'no-store' });
      const body = (await response.json()) as { transport?: string; messages?: Message[]; message?: string };
      if (!response.ok || !body.messages) {
        state.textContent = body.message ?? `The outbox could not be read (${response.status}).`;
        return;
      }
      list.replaceChildren(...body.messages.map(item));
      state.textContent =
        body.transport === 'outbox'
          ? body.messages.length
            ? `${plural(body.messages.length, 'message')}, newest first · read ${timeOfDay()}`
            : 'Empty: ask for a link or a password reset above.'
          : 'The auth server sends real mail (SMTP): only delivery states show here.';
    } catch {
      state.textContent = "Can't reach the notes API to read the outbox.";
    }
  }
  $('outbox-refresh').addEventListener('click', () => void refresh());
  return { refresh };
}

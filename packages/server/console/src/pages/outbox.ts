/** Mail outbox: what the server sent with no SMTP server configured (with SMTP, delivery states only). */
import { api } from '../api.js';
import { h, replace, table, time } from '../dom.js';

interface Message {
  id: string;
  created_at: string;
  kind: string;
  to: string;
  status: string;
  subject?: string;
  text?: string;
  link?: string;
  last_error: string | null;
}

export async function renderOutbox(main: HTMLElement): Promise<void> {
  const { transport, messages } = await api<{ transport: string; messages: Message[] }>('GET', '/admin/outbox?limit=100');
  replace(
    main,
    h('h1', {}, 'Mail outbox'),
    h(
      'p',
      { class: 'muted' },
      transport === 'outbox'
        ? 'No SMTP server is configured (LATCHKEY_SMTP_HOST): every email lands here instead of being sent. Messages hold working sign-in links: this is for development.'
        : 'Mail goes out through SMTP: only delivery states are kept, not the messages.',
    ),
    table(
      'Messages (newest first)',
      ['Created', 'To', 'Kind', 'Status', 'Subject', 'Message'],
      messages.map((m) => [
        time(m.created_at),
        m.to,
        m.kind,
        m.last_error ? `${m.status}: ${m.last_error}` : m.status,
        m.subject ?? '—',
        m.text ? h('details', {}, h('summary', {}, 'Show'), h('pre', {}, m.text)) : '—',
      ]),
      { 'data-testid': 'outbox' },
    ),
  );
}

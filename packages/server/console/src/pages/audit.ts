/** Audit: the trail filtered by type, user, session, IP and time; a reuse detection links to its session and user. */
import { api } from '../api.js';
import { field, h, replace, table, time } from '../dom.js';

export interface AuditEntry {
  id: string;
  at: string;
  type: string;
  actor: string;
  user_id: string | null;
  session_id: string | null;
  ip: string | null;
  user_agent: string | null;
  data: Record<string, unknown>;
}

const FILTERS = ['type', 'user_id', 'session_id', 'ip', 'since', 'until'] as const;

/** The event types, from the API's own description (one list: the server's). */
async function auditTypes(): Promise<string[]> {
  const doc = await api<any>('GET', '/openapi.json');
  const parameter = doc.paths?.['/admin/audit']?.get?.parameters?.find((p: { name: string }) => p.name === 'type');
  return (parameter?.schema?.enum as string[] | undefined) ?? [];
}

export function auditTable(entries: AuditEntry[], caption: string): HTMLElement {
  return table(
    caption,
    ['Time', 'Event', 'Actor', 'User', 'Session', 'IP', 'Details'],
    entries.map((e) => [
      time(e.at),
      h('span', { class: e.type === 'token_reuse_detected' ? 'badge danger' : 'badge', 'data-type': e.type }, e.type),
      e.actor,
      e.user_id ? h('a', { href: `#/users/${e.user_id}`, 'data-link': 'user' }, `${e.user_id.slice(0, 8)}…`) : '—',
      e.session_id
        ? h(
            'a',
            { href: `#/audit?session_id=${e.session_id}`, 'data-link': 'session', title: `Session ${e.session_id}` },
            `${e.session_id.slice(0, 8)}…`,
          )
        : '—',
      e.ip ?? '—',
      Object.keys(e.data).length ? h('code', { class: 'details' }, JSON.stringify(e.data)) : '',
    ]),
    { 'data-testid': 'audit' },
  );
}

export async function renderAudit(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const query = new URLSearchParams({ limit: '100' });
  for (const name of FILTERS) {
    const value = params.get(name);
    if (value) query.set(name, value);
  }
  if (params.get('cursor')) query.set('cursor', params.get('cursor') as string);
  const [types, page] = await Promise.all([
    auditTypes(),
    api<{ entries: AuditEntry[]; next_cursor: string | null }>('GET', `/admin/audit?${query}`),
  ]);

  const type = h(
    'select',
    { name: 'type' },
    h('option', { value: '' }, 'any'),
    ...types.map((t) => h('option', { value: t, selected: t === params.get('type') }, t)),
  );
  const input = (name: string, placeholder: string) =>
    h('input', { name, value: params.get(name) ?? '', placeholder, spellcheck: 'false' });
  const controls = {
    type,
    user_id: input('user_id', 'user id'),
    session_id: input('session_id', 'session id'),
    ip: input('ip', '203.0.113.7'),
    since: input('since', '2026-11-01T00:00:00Z'),
    until: input('until', '2026-11-02T00:00:00Z'),
  };
  const form = h(
    'form',
    { class: 'row wrap', role: 'search', 'aria-label': 'Filter the audit trail' },
    field('Event type', controls.type),
    field('User', controls.user_id),
    field('Session', controls.session_id),
    field('IP', controls.ip),
    field('Since (ISO time)', controls.since),
    field('Until (ISO time)', controls.until),
    h('button', { type: 'submit' }, 'Filter'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    for (const name of FILTERS) if (controls[name].value.trim()) next.set(name, controls[name].value.trim());
    location.hash = `#/audit?${next}`;
  });
  const keep = new URLSearchParams();
  for (const name of FILTERS) if (params.get(name)) keep.set(name, params.get(name) as string);
  replace(
    main,
    h('h1', {}, 'Audit'),
    form,
    auditTable(page.entries, 'Audit entries (newest first)'),
    h(
      'nav',
      { class: 'row', 'aria-label': 'Pages' },
      params.get('cursor') ? h('a', { href: `#/audit?${keep}` }, 'Newest') : null,
      page.next_cursor ? h('a', { href: `#/audit?${keep}&cursor=${encodeURIComponent(page.next_cursor)}` }, 'Older') : null,
    ),
  );
}

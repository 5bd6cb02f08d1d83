/** Users: search by email prefix or id, sort, keyset pages; create and invite. */
import { api } from '../api.js';
import { announce, confirmAction, field, h, replace, table, time } from '../dom.js';

export interface User {
  id: string;
  email: string;
  created_at: string;
  last_sign_in_at: string | null;
  banned_until?: string;
  email_confirmed_at: string | null;
  is_anonymous: boolean;
}

const SORTS: [string, string][] = [
  ['created_at desc', 'Newest first'],
  ['created_at asc', 'Oldest first'],
  ['email asc', 'Email A→Z'],
  ['email desc', 'Email Z→A'],
];

export const userLink = (id: string, text: string) => h('a', { href: `#/users/${encodeURIComponent(id)}` }, text);

export async function renderUsers(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const q = params.get('q') ?? '';
  const sort = SORTS.some(([value]) => value === params.get('sort')) ? (params.get('sort') as string) : 'created_at desc';
  const cursor = params.get('cursor') ?? '';
  const query = new URLSearchParams({ q, sort, cursor, per_page: '25' });
  const page = await api<{ users: User[]; next_cursor: string | null }>('GET', `/admin/users?${query}`);

  const search = h('input', { type: 'search', name: 'q', value: q, placeholder: 'ada@ or a user id' });
  const sortSelect = h(
    'select',
    { name: 'sort' },
    ...SORTS.map(([value, label]) => h('option', { value, selected: value === sort }, label)),
  );
  const form = h(
    'form',
    { class: 'row', role: 'search' },
    field('Search by email or id', search),
    field('Sort', sortSelect),
    h('button', { type: 'submit' }, 'Search'),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `#/users?${new URLSearchParams({ q: search.value.trim(), sort: sortSelect.value })}`;
  });

  const rows = page.users.map((u) => [
    userLink(u.id, u.email || (u.is_anonymous ? '(anonymous)' : '(no email)')),
    time(u.created_at),
    time(u.last_sign_in_at),
    u.banned_until && Date.parse(u.banned_until) > Date.now()
      ? h('span', { class: 'badge danger' }, 'banned')
      : u.email_confirmed_at
        ? 'confirmed'
        : 'unconfirmed',
    h('code', {}, u.id),
  ]);
  const keep = new URLSearchParams({ q, sort });
  const pager = h(
    'nav',
    { class: 'row', 'aria-label': 'Pages' },
    cursor ? h('a', { href: `#/users?${keep}` }, 'First page') : null,
    page.next_cursor
      ? h('a', { href: `#/users?${keep}&cursor=${encodeURIComponent(page.next_cursor)}`, 'data-testid': 'next-page' }, 'Next page')
      : null,
  );

  replace(
    main,
    h('h1', {}, 'Users'),
    form,
    table(q ? `Users matching "${q}"` : 'Users', ['Email', 'Created', 'Last sign-in', 'State', 'Id'], rows, { 'data-testid': 'users' }),
    pager,
    h('div', { class: 'columns' }, createForm(), inviteForm()),
  );
}

function createForm(): HTMLElement {
  const email = h('input', { type: 'email', required: true, autocomplete: 'off' });
  const password = h('input', { type: 'password', autocomplete: 'new-password' });
  const confirmed = h('input', { type: 'checkbox', checked: true });
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'create-title' },
    h('h2', { id: 'create-title' }, 'Create a user'),
    field('Email', email),
    field('Password', password, 'Optional: without one the user signs in by link, code or provider.'),
    h('label', { class: 'check' }, confirmed, ' Email confirmed'),
    h('button', { type: 'submit' }, 'Create user'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!(await confirmAction(`Create the user ${email.value}?`, 'Create'))) return;
    try {
      const body: Record<string, unknown> = { email: email.value, email_confirm: confirmed.checked };
      if (password.value) body.password = password.value;
      password.value = '';
      const user = await api<User>('POST', '/admin/users', body);
      announce(`Created ${user.email}.`);
      location.hash = `#/users/${user.id}`;
    } catch (error) {
      announce((error as Error).message, 'error');
    }
  });
  return form;
}

function inviteForm(): HTMLElement {
  const email = h('input', { type: 'email', required: true, autocomplete: 'off' });
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': 'invite-title' },
    h('h2', { id: 'invite-title' }, 'Invite a user'),
    field('Email', email, 'Mails an invitation link; the user sets a password after following it.'),
    h('button', { type: 'submit' }, 'Send invitation'),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!(await confirmAction(`Send an invitation to ${email.value}?`, 'Invite'))) return;
    try {
      const user = await api<User>('POST', '/invite', { email: email.value });
      announce(`Invited ${user.email}.`);
      location.hash = `#/users/${user.id}`;
    } catch (error) {
      announce((error as Error).message, 'error');
    }
  });
  return form;
}

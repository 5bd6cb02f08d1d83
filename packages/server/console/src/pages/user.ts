/** One user: profile, metadata, identities, factors, passkeys, sessions, and their security timeline. */
import { api } from '../api.js';
import { announce, confirmAction, duration, field, h, replace, table, time } from '../dom.js';
import { auditTable, type AuditEntry } from './audit.js';

interface FullUser {
  id: string;
  email: string;
  role: string;
  created_at: string;
  last_sign_in_at: string | null;
  email_confirmed_at: string | null;
  banned_until?: string;
  is_anonymous: boolean;
  app_metadata: Record<string, unknown>;
  user_metadata: Record<string, unknown>;
  identities: { identity_id: string; provider: string; email?: string; created_at: string; last_sign_in_at: string | null }[];
}
interface Session {
  id: string;
  created_at: string;
  refreshed_at: string;
  user_agent: string | null;
  ip: string | null;
  aal: string;
}
interface Factor {
  id: string;
  friendly_name?: string;
  factor_type: string;
  status: string;
  created_at: string;
}
interface Passkey {
  id: string;
  friendly_name?: string;
  created_at: string;
  last_used_at?: string;
}

interface Action {
  /** The question the confirmation dialog asks, and its confirm button's label. */
  question: string;
  confirm: string;
  run: () => Promise<unknown>;
  /** What to announce when it worked. */
  done: string;
  after: () => void;
}

/** Runs an admin action after a confirmation, says how it went, then `after`. */
async function act(action: Action): Promise<void> {
  if (!(await confirmAction(action.question, action.confirm))) return;
  try {
    await action.run();
    announce(action.done);
    action.after();
  } catch (error) {
    announce((error as Error).message, 'error');
  }
}

/** A button that runs an action after its confirmation; `attrs` add a class, a label, a test hook. */
function actionButton(label: string, action: Action, attrs: Record<string, string | boolean> = {}): HTMLButtonElement {
  return h('button', { type: 'button', ...attrs, onclick: () => void act(action) }, label);
}

export async function renderUser(main: HTMLElement, _params: URLSearchParams, id?: string): Promise<void> {
  const base = `/admin/users/${encodeURIComponent(id ?? '')}`;
  const [user, sessions, factors, passkeys, timeline] = await Promise.all([
    api<FullUser>('GET', base),
    api<{ sessions: Session[] }>('GET', `${base}/sessions`),
    api<Factor[]>('GET', `${base}/factors`),
    api<Passkey[]>('GET', `${base}/passkeys`),
    api<{ entries: AuditEntry[] }>('GET', `/admin/audit?user_id=${encodeURIComponent(id ?? '')}&limit=50`),
  ]);
  const redraw = () => void renderUser(main, _params, id).catch((e: Error) => announce(e.message, 'error'));
  const banned = user.banned_until !== undefined && Date.parse(user.banned_until) > Date.now();
  const name = user.email || '(no email)';
  const change = (question: string, confirm: string, run: () => Promise<unknown>, done: string): Action => ({
    question,
    confirm,
    run,
    done,
    after: redraw,
  });

  const profile = h(
    'dl',
    { class: 'profile' },
    ...(
      [
        ['Email', name],
        ['Id', h('code', {}, user.id)],
        ['Role', user.role],
        ['Created', time(user.created_at)],
        ['Last sign-in', time(user.last_sign_in_at)],
        ['Email confirmed', time(user.email_confirmed_at)],
        ['Banned until', banned ? time(user.banned_until) : 'not banned'],
      ] as [string, Node | string][]
    ).flatMap(([term, value]) => [
      h('dt', {}, term),
      h('dd', { 'data-testid': `profile-${term.toLowerCase().replace(/\W+/g, '-')}` }, value),
    ]),
  );

  const banFor = h(
    'select',
    { name: 'ban_duration' },
    h('option', { value: '1h' }, '1 hour'),
    h('option', { value: '24h' }, '24 hours'),
    h('option', { value: '168h' }, '7 days'),
    h('option', { value: '876000h' }, 'indefinitely'),
  );
  const actions = h(
    'div',
    { class: 'actions wrap' },
    banned
      ? actionButton(
          'Unban',
          change(`Lift the ban on ${name}?`, 'Unban', () => api('PUT', base, { ban_duration: 'none' }), `Unbanned ${name}.`),
        )
      : h(
          'span',
          { class: 'row' },
          field('Ban for', banFor),
          actionButton(
            'Ban',
            change(`Ban ${name} and end every session?`, 'Ban', () => api('PUT', base, { ban_duration: banFor.value }), `Banned ${name}.`),
            { class: 'danger' },
          ),
        ),
    actionButton(
      'Send recovery link',
      change(`Email ${name} a password recovery link?`, 'Send', () => api('POST', `${base}/recover`), `Recovery link sent to ${name}.`),
      { disabled: !user.email },
    ),
    actionButton(
      'Sign out everywhere',
      change(
        `End every session of ${name}? Their refresh tokens stop working at once.`,
        'Sign out everywhere',
        () => api('DELETE', `${base}/sessions`),
        `Ended every session of ${name}.`,
      ),
    ),
    actionButton(
      'Delete user',
      {
        question: `Delete ${name} for good, with every session, factor and passkey?`,
        confirm: 'Delete',
        run: () => api('DELETE', base),
        done: `Deleted ${name}.`,
        after: () => {
          location.hash = '#/users';
        },
      },
      { class: 'danger' },
    ),
  );

  replace(
    main,
    h('p', {}, h('a', { href: '#/users' }, '← Users')),
    h('h1', {}, name),
    h('section', { class: 'card', 'aria-labelledby': 'profile-title' }, h('h2', { id: 'profile-title' }, 'Profile'), profile, actions),
    h(
      'section',
      { class: 'columns' },
      metadataEditor('app_metadata', 'App metadata', user.app_metadata, base, redraw),
      metadataEditor('user_metadata', 'User metadata', user.user_metadata, base, redraw),
    ),
    table(
      'Identities',
      ['Provider', 'Email', 'Created', 'Last sign-in'],
      user.identities.map((i) => [i.provider, i.email ?? '—', time(i.created_at), time(i.last_sign_in_at)]),
    ),
    table(
      'Second factors',
      ['Name', 'Type', 'Status', 'Created', ''],
      factors.map((f) => [
        f.friendly_name ?? '—',
        f.factor_type,
        f.status,
        time(f.created_at),
        actionButton(
          'Remove',
          change(
            `Remove the ${f.factor_type} factor "${f.friendly_name ?? f.id}"? Sessions it raised to aal2 go back to aal1.`,
            'Remove',
            () => api('DELETE', `${base}/factors/${f.id}`),
            'Factor removed.',
          ),
          { class: 'danger small', 'aria-label': `Remove factor ${f.friendly_name ?? f.id}` },
        ),
      ]),
    ),
    table(
      'Passkeys',
      ['Name', 'Created', 'Last used', ''],
      passkeys.map((p) => [
        p.friendly_name ?? '—',
        time(p.created_at),
        time(p.last_used_at),
        actionButton(
          'Remove',
          change(
            `Remove the passkey "${p.friendly_name ?? p.id}"?`,
            'Remove',
            () => api('DELETE', `${base}/passkeys/${p.id}`),
            'Passkey removed.',
          ),
          { class: 'danger small', 'aria-label': `Remove passkey ${p.friendly_name ?? p.id}` },
        ),
      ]),
    ),
    table(
      'Sessions',
      ['Device', 'IP', 'Created', 'Last refreshed', 'Level', ''],
      sessions.sessions.map((s) => [
        s.user_agent ?? '—',
        s.ip ?? '—',
        time(s.created_at),
        `${time(s.refreshed_at)} (${duration(Date.now() - Date.parse(s.refreshed_at))} ago)`,
        s.aal,
        actionButton(
          'End',
          change(
            'End this session? Its refresh token stops working at once.',
            'End session',
            () => api('DELETE', `/admin/sessions/${s.id}`),
            'Session ended.',
          ),
          {
            class: 'danger small',
            'data-session': s.id,
            'aria-label': `End session from ${s.ip ?? 'unknown IP'} created ${time(s.created_at)}`,
          },
        ),
      ]),
      { 'data-testid': 'sessions' },
    ),
    h('h2', {}, 'Security timeline'),
    auditTable(timeline.entries, 'Security timeline (newest first)'),
  );
}

/** A JSON editor for one metadata object: validated as a JSON object before it is sent. */
function metadataEditor(
  key: 'app_metadata' | 'user_metadata',
  title: string,
  value: Record<string, unknown>,
  base: string,
  redraw: () => void,
): HTMLElement {
  const area = h('textarea', { rows: 8, spellcheck: 'false', 'data-testid': key });
  area.value = JSON.stringify(value, null, 2);
  const error = h('p', { class: 'error', role: 'alert' });
  const form = h(
    'form',
    { class: 'card', 'aria-labelledby': `${key}-title` },
    h('h2', { id: `${key}-title` }, title),
    field(`${title} (JSON object)`, area, 'Top-level keys are merged into the stored object; set a key to null to remove it.'),
    error,
    h('button', { type: 'submit' }, `Save ${title.toLowerCase()}`),
  );
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    let parsed: unknown;
    try {
      parsed = JSON.parse(area.value);
    } catch (e) {
      parsed = e;
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || parsed instanceof Error) {
      error.textContent = `${title} must be a JSON object${parsed instanceof Error ? `: ${parsed.message}` : ''}.`;
      area.setAttribute('aria-invalid', 'true');
      area.focus();
      return;
    }
    area.removeAttribute('aria-invalid');
    error.textContent = '';
    void act({
      question: `Save ${title.toLowerCase()}?`,
      confirm: 'Save',
      run: () => api('PUT', base, { [key]: parsed }),
      done: `${title} saved.`,
      after: redraw,
    });
  });
  return form;
}

/** Settings: the effective configuration, secrets masked, and where each value came from. */
import { api } from '../api.js';
import { h, replace, table } from '../dom.js';

interface Setting {
  key: string;
  env: string;
  flag: string | null;
  value: unknown;
  default: unknown;
  source: string;
  description: string;
}

const shown = (value: unknown) => (value === null || value === undefined ? '—' : typeof value === 'string' ? value : JSON.stringify(value));

export async function renderSettings(main: HTMLElement): Promise<void> {
  const { settings } = await api<{ settings: Setting[] }>('GET', '/admin/settings');
  replace(
    main,
    h('h1', {}, 'Settings'),
    h(
      'p',
      { class: 'muted' },
      'The running configuration. Secrets show only that they are set. Change a value with its flag or environment variable and restart.',
    ),
    table(
      'Effective configuration',
      ['Setting', 'Value', 'Source', 'Default'],
      settings.map((s) => [
        h(
          'span',
          {},
          h('code', {}, s.env),
          s.flag ? h('small', { class: 'muted' }, ` ${s.flag}`) : null,
          h('br'),
          h('small', { class: 'muted' }, s.description),
        ),
        h('code', { class: 'details' }, shown(s.value)),
        h('span', { class: `badge source-${s.source}` }, s.source),
        shown(s.default),
      ]),
      { 'data-testid': 'settings' },
    ),
  );
}

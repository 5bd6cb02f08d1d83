/** Overview: sign-ups, sign-ins, refreshes, reuse and rate-limit hits over an hour, a day or a week. */
import { api } from '../api.js';
import { barChart } from '../chart.js';
import { h, replace, time } from '../dom.js';

interface Stats {
  range: string;
  from: string;
  step_seconds: number;
  series: Record<string, number[]>;
  per_process: string[];
  users: number;
  live_sessions: number;
}

const CHARTS: [string, string][] = [
  ['sign_ups', 'Sign-ups'],
  ['sign_ins', 'Sign-ins'],
  ['sign_in_failures', 'Failed sign-ins'],
  ['refreshes_rotated', 'Refreshes rotated'],
  ['refreshes_replayed', 'Refreshes replayed'],
  ['reuse_detected', 'Reuse detections'],
  ['rate_limited', 'Rate-limit hits'],
];

export async function renderOverview(main: HTMLElement, params: URLSearchParams): Promise<void> {
  const range = ['hour', 'day', 'week'].includes(params.get('range') ?? '') ? (params.get('range') as string) : 'hour';
  const stats = await api<Stats>('GET', `/admin/stats?range=${range}`);
  const labels =
    stats.series.sign_ups?.map((_, i) => time(new Date(Date.parse(stats.from) + i * stats.step_seconds * 1000).toISOString())) ?? [];
  const picker = h(
    'nav',
    { class: 'tabs', 'aria-label': 'Time range' },
    ...['hour', 'day', 'week'].map((r) =>
      h('a', { href: `#/overview?range=${r}`, 'aria-current': r === range ? 'true' : null }, `Last ${r}`),
    ),
  );
  replace(
    main,
    h('h1', {}, 'Overview'),
    h(
      'div',
      { class: 'counts' },
      h('div', { class: 'card count', 'data-testid': 'users-count' }, h('span', { class: 'big' }, stats.users), ' users'),
      h(
        'div',
        { class: 'card count', 'data-testid': 'sessions-count' },
        h('span', { class: 'big' }, stats.live_sessions),
        ' live sessions',
      ),
    ),
    picker,
    h(
      'div',
      { class: 'charts' },
      ...CHARTS.map(([series, title]) =>
        barChart({
          series,
          title,
          values: stats.series[series] ?? [],
          labels,
          note: stats.per_process.includes(series) ? 'this process' : undefined,
        }),
      ),
    ),
    h(
      'p',
      { class: 'muted' },
      `Buckets of ${stats.step_seconds / 60} minutes from ${time(stats.from)}. "This process": counted in this server's memory since it started.`,
    ),
  );
}

/**
 * Prometheus metrics (text exposition format 0.0.4), no dependency: counters and histograms kept
 * in memory per process, rendered on `GET /metrics`. Label values come from a closed set
 * (route templates, codes), never from request data, so cardinality stays bounded.
 */
import { systemClock, type Clock } from './clock.js';
import { RecentCounts } from './recent-counts.js';

type Labels = Record<string, string>;

const renderKey = (labels: Labels) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');

// Label sets repeat (a route and a status): render each one's key once.
const keyCache = new Map<string, string>();
const key = (labels: Labels) => {
  let id = '';
  for (const name in labels) id += `${name}\u0000${labels[name]}\u0001`;
  let k = keyCache.get(id);
  if (k === undefined) {
    k = renderKey(labels);
    if (keyCache.size < 10_000) keyCache.set(id, k);
  }
  return k;
};

class Counter {
  private readonly values = new Map<string, number>();
  constructor(
    readonly name: string,
    readonly help: string,
    /** Also counted over time (recent-counts.ts), for the console's charts. */
    private readonly onInc?: (labels: Labels, by: number) => void,
  ) {}
  inc(labels: Labels = {}, by = 1): void {
    this.onInc?.(labels, by);
    const k = key(labels);
    this.values.set(k, (this.values.get(k) ?? 0) + by);
  }
  get(labels: Labels = {}): number {
    return this.values.get(key(labels)) ?? 0;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} counter`];
    if (this.values.size === 0) lines.push(`${this.name} 0`);
    for (const [k, v] of this.values) lines.push(`${this.name}${k ? `{${k}}` : ''} ${v}`);
    return lines.join('\n');
  }
}

// Seconds; spans a fast refresh (1 ms) to a slow argon2 sign-in under load (2.5 s).
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

class Histogram {
  private readonly series = new Map<string, { counts: number[]; sum: number; count: number }>();
  constructor(
    readonly name: string,
    readonly help: string,
  ) {}
  observe(labels: Labels, seconds: number): void {
    const k = key(labels);
    let s = this.series.get(k);
    if (!s) {
      s = { counts: BUCKETS.map(() => 0), sum: 0, count: 0 };
      this.series.set(k, s);
    }
    for (let i = 0; i < BUCKETS.length; i++) if (seconds <= (BUCKETS[i] as number)) (s.counts[i] as number)++;
    s.sum += seconds;
    s.count++;
  }
  render(): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    for (const [k, s] of this.series) {
      const sep = k ? `${k},` : '';
      BUCKETS.forEach((b, i) => lines.push(`${this.name}_bucket{${sep}le="${b}"} ${s.counts[i]}`));
      lines.push(`${this.name}_bucket{${sep}le="+Inf"} ${s.count}`);
      lines.push(`${this.name}_sum${k ? `{${k}}` : ''} ${s.sum}`);
      lines.push(`${this.name}_count${k ? `{${k}}` : ''} ${s.count}`);
    }
    return lines.join('\n');
  }
}

export class Metrics {
  /** The last week of refreshes by outcome and rate-limit hits, per minute (the console's Overview). */
  readonly recent: RecentCounts;

  constructor(clock: Clock = systemClock) {
    this.recent = new RecentCounts(clock);
  }

  readonly requests = new Counter('latchkey_http_requests_total', 'HTTP requests by route and status.');
  readonly latency = new Histogram('latchkey_http_request_duration_seconds', 'HTTP request latency by route.');
  readonly refreshes = new Counter('latchkey_refreshes_total', 'Refresh grants answered, by outcome (rotated, replayed).', (labels, by) =>
    this.recent.add(`refreshes_${labels.outcome}`, by),
  );
  readonly reuse = new Counter('latchkey_refresh_token_reuse_detected_total', 'Used refresh tokens presented again (sessions revoked).');
  readonly signInFailures = new Counter('latchkey_sign_in_failures_total', 'Password sign-ins refused for bad credentials.');
  readonly rateLimited = new Counter('latchkey_rate_limit_hits_total', 'Requests refused by a rate limit, by rule.', (_labels, by) =>
    this.recent.add('rate_limited', by),
  );
  readonly rotationStatements = new Counter(
    'latchkey_rotation_statements_total',
    'Rotation statements sent to the database; each carries the compare-and-sets of one or more refreshes.',
  );
  readonly rotationBatchSplits = new Counter(
    'latchkey_rotation_batch_splits_total',
    'Rotation statements of several refreshes that failed and were retried one refresh at a time (a deadlock, a bad value); should stay 0.',
  );
  readonly rotationCompareAndSets = new Counter(
    'latchkey_rotation_compare_and_sets_total',
    'Compare-and-sets sent in rotation statements (divided by the statements: the mean batch size).',
  );
  readonly sessionsDeleted = new Counter(
    'latchkey_sessions_deleted_total',
    'Dead sessions (revoked, signed out, expired) deleted after LATCHKEY_SESSION_RETENTION by this process.',
  );

  readonly mailDelivered = new Counter('latchkey_mail_delivered_total', 'Emails handed to the SMTP server.');
  readonly mailFailures = new Counter(
    'latchkey_mail_delivery_failures_total',
    'Failed attempts to hand an email to the SMTP server, by outcome (retry, given_up).',
  );

  render(pool: { total: number; idle: number; waiting: number }): string {
    const gauges = [
      ['latchkey_db_pool_connections', 'Open database connections.', pool.total],
      ['latchkey_db_pool_idle', 'Idle database connections.', pool.idle],
      ['latchkey_db_pool_waiting', 'Queries waiting for a database connection.', pool.waiting],
    ].map(([name, help, v]) => `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${v}`);
    return (
      [
        this.requests,
        this.latency,
        this.refreshes,
        this.reuse,
        this.signInFailures,
        this.rateLimited,
        this.rotationStatements,
        this.rotationCompareAndSets,
        this.rotationBatchSplits,
        this.sessionsDeleted,
        this.mailDelivered,
        this.mailFailures,
      ]
        .map((m) => m.render())
        .concat(gauges)
        .join('\n') + '\n'
    );
  }
}

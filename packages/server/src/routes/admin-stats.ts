/** GET /admin/stats: the console's Overview as data, so it can be scripted too. */
import { z } from 'zod';
import { route } from '../http/route.js';
import type { AuditType } from '../store/audit.js';
import { auditCountsByBucket, countLiveSessions, countUsers } from '../store/stats.js';

/** Each range's buckets: an hour in 5-minute steps, a day in hours, a week in 6-hour steps. */
export const STATS_RANGES = {
  hour: { stepMs: 300_000, count: 12 },
  day: { stepMs: 3_600_000, count: 24 },
  week: { stepMs: 21_600_000, count: 28 },
} as const;

/** The series drawn from the audit trail (every process's events) and which entry types each counts. */
const AUDIT_SERIES: Record<string, readonly AuditType[]> = {
  sign_ups: ['user_signedup'],
  sign_ins: ['login', 'passkey_login'],
  sign_in_failures: ['login_failed', 'passkey_login_failed'],
  reuse_detected: ['token_reuse_detected'],
};

/** The series counted in this process's memory (recent-counts.ts): refreshes are not audited (the hot path). */
const PROCESS_SERIES = ['refreshes_rotated', 'refreshes_replayed', 'rate_limited'] as const;

export const adminStats = route({
  method: 'GET',
  path: '/admin/stats',
  auth: 'admin',
  summary:
    'Time series for the last hour (5-minute buckets), day (hours) or week (6 hours): sign_ups, sign_ins, sign_in_failures and reuse_detected from the audit trail; refreshes_rotated, refreshes_replayed and rate_limited from this process; and the users and live_sessions counts.',
  query: z.object({ range: z.enum(['hour', 'day', 'week']).default('hour') }),
  async handler({ app, query, request }) {
    const { stepMs, count } = STATS_RANGES[query.range];
    // Buckets end at the next step boundary after now, so the newest bucket holds the last events.
    const end = Math.ceil((request.now.getTime() + 1) / stepMs) * stepMs;
    const from = new Date(end - stepMs * count);
    const types = Object.values(AUDIT_SERIES).flat();
    const [audit, users, liveSessions] = await Promise.all([
      auditCountsByBucket(app.db, types, from, stepMs, count),
      countUsers(app.db),
      countLiveSessions(app.db, request.now, app.config.sessionTimebox, app.config.sessionInactivityTimeout),
    ]);
    const series: Record<string, number[]> = {};
    for (const [name, of] of Object.entries(AUDIT_SERIES)) {
      series[name] = Array.from({ length: count }, (_, i) => of.reduce((sum, type) => sum + (audit.get(type)?.[i] ?? 0), 0));
    }
    for (const name of PROCESS_SERIES) series[name] = app.metrics.recent.buckets(name, from.getTime(), stepMs, count);
    return {
      body: {
        range: query.range,
        now: request.now.toISOString(),
        from: from.toISOString(),
        step_seconds: stepMs / 1000,
        series,
        per_process: PROCESS_SERIES,
        users,
        live_sessions: liveSessions,
      },
    };
  },
});

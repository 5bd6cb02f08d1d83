/**
 * Counts per minute over the last week, in memory, per process: what the console's Overview
 * charts of metrics that have no audit entry (refreshes rotated and replayed, rate-limit hits)
 * are drawn from. Bounded: one number per series per minute that saw an event, at most a week.
 */
import type { Clock } from './clock.js';

const MINUTE_MS = 60_000;
/** A week of minutes: the longest range the console charts. */
export const KEEP_MINUTES = 7 * 24 * 60;

export class RecentCounts {
  /** Per series: minute number → count, oldest first (minutes arrive in clock order). */
  private readonly series = new Map<string, Map<number, number>>();

  constructor(private readonly clock: Clock) {}

  add(name: string, by = 1): void {
    const minute = Math.floor(this.clock() / MINUTE_MS);
    let counts = this.series.get(name);
    if (!counts) this.series.set(name, (counts = new Map()));
    counts.set(minute, (counts.get(minute) ?? 0) + by);
    // Forget minutes past the week, from the front (the oldest).
    for (const [old] of counts) {
      if (old > minute - KEEP_MINUTES) break;
      counts.delete(old);
    }
  }

  /** Sums per bucket: `count` buckets of `stepMs` starting at `fromMs`. */
  buckets(name: string, fromMs: number, stepMs: number, count: number): number[] {
    const out = Array<number>(count).fill(0);
    for (const [minute, n] of this.series.get(name) ?? []) {
      const index = Math.floor((minute * MINUTE_MS - fromMs) / stepMs);
      if (index >= 0 && index < count) out[index] = (out[index] as number) + n;
    }
    return out;
  }
}

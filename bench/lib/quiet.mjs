/**
 * Waiting for a quiet machine: other people's test runs share the 2 cores, and a benchmark that
 * starts in the middle of one measures them. Samples /proc/stat in 5-second windows until the
 * machine is mostly idle, or gives up after `maxMinutes` (and says so).
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { loadLine } from './report.mjs';

function busy() {
  const v = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = v[3] + (v[4] ?? 0);
  const total = v.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/** Resolves with the busy share (% of all cores) of the last window. */
export async function waitForQuiet({ maxBusyPercent = 20, maxMinutes = 10, log = console.log } = {}) {
  const deadline = Date.now() + maxMinutes * 60_000;
  for (;;) {
    const a = busy();
    await new Promise((r) => setTimeout(r, 5000));
    const b = busy();
    const share = ((b.busy - a.busy) / Math.max(1, b.total - a.total)) * 100;
    if (share <= maxBusyPercent) {
      log(`machine quiet: ${share.toFixed(0)}% of ${cpus().length} cores busy over 5 s (${loadLine()})`);
      return share;
    }
    if (Date.now() > deadline) {
      log(`machine still busy after ${maxMinutes} min (${share.toFixed(0)}% busy, ${loadLine()}): running anyway, numbers will be noisy`);
      return share;
    }
    log(`waiting for a quiet machine: ${share.toFixed(0)}% busy (${loadLine()})`);
  }
}

/**
 * Summaries of a V8 .cpuprofile (what `node --cpu-prof` writes): self time per function, time
 * per bucket (Latchkey's code, pg, zod, Node internals, GC, …), and inclusive time of Latchkey's
 * own functions (each sample counted once per function on its stack).
 */
import { readFileSync } from 'node:fs';

function keyOf(frame) {
  const url = frame.url ?? '';
  const short = url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/packages\//, '')
    .replace(/^node:/, 'node:');
  const name = frame.functionName || '(anonymous)';
  return short ? `${name} ${short}:${frame.lineNumber + 1}` : name;
}

export function bucketOf(frame) {
  const url = frame.url ?? '';
  const name = frame.functionName;
  if (!url) {
    if (name === '(garbage collector)') return 'GC';
    if (name === '(idle)') return 'idle';
    if (name === '(program)') return 'native / V8 (program)';
    return `native: ${name}`.slice(0, 40);
  }
  if (url.includes('/packages/server/')) return 'Latchkey server code';
  if (url.includes('/node_modules/pg') || url.includes('/node_modules/pg-')) return 'pg driver';
  if (url.includes('/node_modules/zod')) return 'zod';
  if (url.startsWith('node:') || !url.includes('/')) return 'Node internals (http, net, streams, crypto wrappers…)';
  if (url.includes('/node_modules/')) return `dependency: ${url.replace(/^.*\/node_modules\/((@[^/]+\/)?[^/]+).*$/, '$1')}`;
  return 'other';
}

/**
 * @param {string} file  a .cpuprofile
 * @param {{ top?: number, from?: number, to?: number, inclusiveFilter?: (frame) => boolean }} [o]
 *   from/to: only samples in this window, in µs of CLOCK_MONOTONIC (V8's profile clock on Linux;
 *   `process.hrtime.bigint() / 1000n` in any process of the machine)
 * @returns {{ totalMs: number, busyMs: number, self: Array<{key, ms, pct}>, buckets: Array<{bucket, ms, pct}>, inclusive: Array<{key, ms, pct}> }}
 *   pct: percent of busy time (everything but idle)
 */
export function summarize(
  file,
  { top = 25, from = -Infinity, to = Infinity, inclusiveFilter = (f) => (f.url ?? '').includes('/packages/server/') } = {},
) {
  const profile = JSON.parse(readFileSync(file, 'utf8'));
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfMs = new Map();
  const bucketMs = new Map();
  const inclMs = new Map();
  let total = 0;
  let idle = 0;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    at += profile.timeDeltas[i] ?? 0;
    // A sample's delta is the time since the previous one: the interval it stands for ends at `at`.
    const dt = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    if (at < from || at > to) continue;
    const node = nodes.get(profile.samples[i]);
    if (!node) continue;
    total += dt;
    if (node.callFrame.functionName === '(idle)') {
      idle += dt;
      continue;
    }
    const k = keyOf(node.callFrame);
    selfMs.set(k, (selfMs.get(k) ?? 0) + dt);
    const b = bucketOf(node.callFrame);
    bucketMs.set(b, (bucketMs.get(b) ?? 0) + dt);
    const seen = new Set();
    for (let id = node.id; id !== undefined; id = parent.get(id)) {
      const f = nodes.get(id).callFrame;
      if (!inclusiveFilter(f)) continue;
      const key = keyOf(f);
      if (seen.has(key)) continue;
      seen.add(key);
      inclMs.set(key, (inclMs.get(key) ?? 0) + dt);
    }
  }
  const busy = total - idle;
  const rank = (m, field) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([key, ms]) => ({ [field]: key, ms, pct: (ms / busy) * 100 }));
  return { totalMs: total, busyMs: busy, self: rank(selfMs, 'key'), buckets: rank(bucketMs, 'bucket'), inclusive: rank(inclMs, 'key') };
}

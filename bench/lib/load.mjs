/**
 * The refresh load: N virtual clients, each with its own keep-alive connection to every target,
 * each owning its own sessions (client w owns sessions w, w + N, w + 2N, …) — one client per
 * session, as in real life: two clients rotating one session would present stale tokens, which is
 * reuse. Requests are spread round-robin over the targets (several server processes).
 *
 * A contender describes its protocol:
 *   request(token) → { method, path, headers, body }
 *   successor(status, body) → the rotated token, or undefined when the refresh failed
 */
import { connection } from './http1.mjs';
import { percentile } from './report.mjs';

/**
 * @param {object} o
 * @param {string[]} o.targets      base URLs
 * @param {string[]} o.tokens       one current refresh token per session (updated in place)
 * @param {number} o.concurrency
 * @param {number} o.seconds        measured time
 * @param {number} [o.warmupSeconds] unmeasured time first (JIT, pools)
 * @param {(token: string) => {method: string, path: string, headers: Record<string,string>, body: string}} o.request
 * @param {(status: number, body: string) => string | undefined} o.successor
 * @param {() => unknown} [o.onMeasureStart]  awaited just before the measured window opens
 * @param {() => void} [o.onMeasureEnd]       called the moment it closes (before the drain)
 */
export async function runLoad(o) {
  const { targets, tokens, concurrency, request, successor } = o;
  if (tokens.length < concurrency) throw new Error(`${tokens.length} sessions for ${concurrency} clients`);
  const conns = Array.from({ length: concurrency }, () => targets.map((t) => connection(t)));
  const latencies = [];
  let errors = 0;
  const statuses = {};
  let sampleError;
  let measuring = false;
  let stop = false;

  async function client(w) {
    const owned = [];
    for (let s = w; s < tokens.length; s += concurrency) owned.push(s);
    let turn = 0;
    while (!stop) {
      const slot = owned[turn % owned.length];
      const conn = conns[w][(w + turn) % targets.length];
      turn++;
      const r = request(tokens[slot]);
      const t0 = performance.now();
      let next;
      let status = 0;
      let body = '';
      try {
        const res = await conn.request(r.method, r.path, r.headers, r.body);
        status = res.status;
        body = res.body;
        next = successor(status, body);
      } catch (error) {
        body = String(error);
      }
      const elapsed = performance.now() - t0;
      if (next) tokens[slot] = next;
      if (!measuring) continue;
      latencies.push(elapsed);
      if (!next) {
        errors++;
        statuses[status] = (statuses[status] ?? 0) + 1;
        sampleError ??= `${status} ${body.slice(0, 200)}`;
      }
    }
  }

  const running = Array.from({ length: concurrency }, (_, w) => client(w));
  if (o.warmupSeconds) await new Promise((r) => setTimeout(r, o.warmupSeconds * 1000));
  await o.onMeasureStart?.();
  measuring = true;
  const started = performance.now();
  await new Promise((r) => setTimeout(r, o.seconds * 1000));
  measuring = false;
  const elapsed = (performance.now() - started) / 1000;
  o.onMeasureEnd?.();
  stop = true;
  await Promise.all(running);
  for (const c of conns) for (const conn of c) conn.close();
  return loadResult({ latencies, seconds: elapsed, errors, statuses, sampleError });
}

/**
 * One measurement's result from its raw latencies (ms, any order): req/s, p50, p99, max.
 * Every load in the benches reports through this, so their figures are computed alike.
 */
export function loadResult({ latencies, seconds, errors, statuses = {}, sampleError }) {
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    statuses,
    sampleError,
    seconds,
    rps: latencies.length / seconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    max: latencies.at(-1),
    latencies,
  };
}

/** Merges several runs of one contender (rounds) into one result. */
export function mergeRuns(runs) {
  const statuses = {};
  for (const r of runs) for (const [k, v] of Object.entries(r.statuses)) statuses[k] = (statuses[k] ?? 0) + v;
  return loadResult({
    latencies: runs.flatMap((r) => r.latencies),
    seconds: runs.reduce((a, r) => a + r.seconds, 0),
    errors: runs.reduce((a, r) => a + r.errors, 0),
    statuses,
    sampleError: runs.find((r) => r.sampleError)?.sampleError,
  });
}

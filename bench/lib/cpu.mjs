/**
 * CPU accounting during a measurement, from /proc (Linux): per process group (server processes,
 * their Postgres backends, every postgres process, this load generator) and the whole machine.
 * Figures are percent of one core (200% = both cores of a 2-core machine).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { cpus } from 'node:os';

const TICKS = 100; // USER_HZ: 100 on every mainstream Linux (getconf CLK_TCK)

/** utime + stime of a process, in ticks; 0 once it is gone. */
export function processTicks(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may contain spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(fields[11]) + Number(fields[12]);
  } catch {
    return 0;
  }
}

/**
 * utime + stime of a process's main thread (the thread whose id is the pid), in ticks: for Node,
 * the event loop and the JavaScript on it, without libuv's pool, GC helpers or the JIT threads.
 */
export function mainThreadTicks(pid) {
  return processTicks(`${pid}/task/${pid}`);
}

/** Every process whose command name is `postgres` (server, backends, WAL writer, …). */
export function postgresPids() {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim() === 'postgres') pids.push(Number(entry));
    } catch {}
  }
  return pids;
}

function machine() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = line[3] + (line[4] ?? 0);
  const total = line.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: total - idle, total };
}

/**
 * Starts measuring. `groups` maps a label to a list of pids, or to a function returning one (read
 * again at the end, so processes that appear mid-run are counted from then on).
 * `stop()` returns { [label]: percent of one core, machine: percent of all cores busy, self }.
 */
export function startCpu(groups) {
  const started = performance.now();
  const self = process.cpuUsage();
  const m0 = machine();
  const before = new Map();
  const list = (g) => (typeof g === 'function' ? g() : g);
  // A group labelled `loop` counts its processes' main threads only (mainThreadTicks).
  const ticksOf = (label, pid) => (label === 'loop' ? mainThreadTicks(pid) : processTicks(pid));
  for (const [label, g] of Object.entries(groups)) for (const pid of list(g)) before.set(`${label}:${pid}`, ticksOf(label, pid));
  return {
    stop() {
      const seconds = (performance.now() - started) / 1000;
      const out = {};
      for (const [label, g] of Object.entries(groups)) {
        let ticks = 0;
        for (const pid of list(g)) ticks += ticksOf(label, pid) - (before.get(`${label}:${pid}`) ?? 0);
        out[label] = (ticks / TICKS / seconds) * 100;
      }
      const used = process.cpuUsage(self);
      out.loadgen = ((used.user + used.system) / 1e6 / seconds) * 100;
      const m1 = machine();
      out.machine = ((m1.busy - m0.busy) / Math.max(1, m1.total - m0.total)) * 100 * cpus().length;
      return out;
    },
  };
}

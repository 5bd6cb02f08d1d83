/** Percentiles, tables, ratios and the machine line every benchmark prints. */
import { cpus, loadavg } from 'node:os';

/** p in [0, 1] of an ascending array. */
export function percentile(sorted, p) {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))];
}

export const ms = (v) => (Number.isFinite(v) ? v.toFixed(v < 10 ? 2 : 1) : '-');
export const int = (v) => (Number.isFinite(v) ? Math.round(v).toLocaleString('en-US') : '-');
export const pct = (v) => (Number.isFinite(v) ? `${Math.round(v)}%` : '-');
/** "1.23×": how many times `a` is `b`. */
export const ratio = (a, b) => (Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? `${(a / b).toFixed(2)}×` : '-');

/** A fixed-width text table (also valid Markdown). */
export function table(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c)));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  return [
    line(cells[0]),
    `|${widths.map((w, i) => (i === 0 ? `:${'-'.repeat(w + 1)}` : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    ...cells.slice(1).map(line),
  ].join('\n');
}

export function loadLine() {
  return `load average ${loadavg()
    .map((v) => v.toFixed(2))
    .join(' ')}`;
}

export function machineLine(extra = '') {
  const cpu = cpus();
  return `machine: ${cpu.length} cores (${cpu[0]?.model.trim()}), Node ${process.version}${extra}, ${loadLine()}`;
}

/** CPU time per request in µs, from a CPU share (percent of one core) and a request rate. */
export const usPer = (cpuPercent, rps) => (Number.isFinite(cpuPercent) && rps > 0 ? Math.round((cpuPercent / 100 / rps) * 1e6) : '-');

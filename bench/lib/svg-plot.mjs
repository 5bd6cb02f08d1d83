/**
 * A line chart as a standalone SVG file, for BENCHMARKS.md: one x axis, one y axis, a line per
 * series. Hand-drawn on purpose: a few dozen lines instead of a charting dependency for the bench.
 */

const COLORS = ['#3454d1', '#d1495b', '#2a9d8f', '#e9a23b', '#6c757d'];

/** Round axis maximum: 1, 2 or 5 times a power of ten, at or above `v`. */
function niceMax(v) {
  if (!(v > 0)) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  return [1, 2, 5, 10].map((m) => m * p).find((m) => m >= v);
}

const label = (v) => (v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : `${+v.toFixed(2)}`);
const escape = (s) => String(s).replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c]);

/**
 * @param {{ title: string, xLabel: string, yLabel: string, logX?: boolean,
 *   series: { name: string, points: [number, number][] }[] }} chart
 * @returns {string} the SVG document
 */
export function lineChart({ title, xLabel, yLabel, logX = false, series }) {
  const W = 640;
  const H = 360;
  const pad = { left: 64, right: 16, top: 40, bottom: 48 };
  const xs = series.flatMap((s) => s.points.map(([x]) => x));
  const ys = series.flatMap((s) => s.points.map(([, y]) => y));
  const fx = logX ? Math.log10 : (v) => v;
  const [x0, x1] = [fx(Math.min(...xs)), fx(Math.max(...xs))];
  const yMax = niceMax(Math.max(...ys));
  const px = (x) => pad.left + ((fx(x) - x0) / (x1 - x0 || 1)) * (W - pad.left - pad.right);
  const py = (y) => H - pad.bottom - (y / yMax) * (H - pad.top - pad.bottom);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="#fff"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="14" font-weight="bold">${escape(title)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const y = (yMax / 4) * i;
    out.push(`<line x1="${pad.left}" x2="${W - pad.right}" y1="${py(y)}" y2="${py(y)}" stroke="#e3e6ee"/>`);
    out.push(`<text x="${pad.left - 6}" y="${py(y) + 4}" text-anchor="end">${label(y)}</text>`);
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    out.push(`<text x="${px(x)}" y="${H - pad.bottom + 16}" text-anchor="middle">${label(x)}</text>`);
  }
  out.push(`<text x="${W / 2}" y="${H - 10}" text-anchor="middle">${escape(xLabel)}</text>`);
  out.push(`<text transform="translate(16 ${H / 2}) rotate(-90)" text-anchor="middle">${escape(yLabel)}</text>`);
  // Legend entries side by side, each as wide as its name (about 6.5 px a character at 12 px).
  let legendX = pad.left + 8;
  series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length];
    const d = s.points.map(([x, y], j) => `${j ? 'L' : 'M'}${px(x).toFixed(1)},${py(y).toFixed(1)}`).join(' ');
    out.push(`<path d="${d}" fill="none" stroke="${color}" stroke-width="2"/>`);
    for (const [x, y] of s.points) out.push(`<circle cx="${px(x).toFixed(1)}" cy="${py(y).toFixed(1)}" r="3" fill="${color}"/>`);
    out.push(`<rect x="${legendX}" y="${pad.top - 6}" width="10" height="10" fill="${color}"/>`);
    out.push(`<text x="${legendX + 14}" y="${pad.top + 3}">${escape(s.name)}</text>`);
    legendX += 14 + Math.ceil(s.name.length * 6.5) + 18;
  });
  out.push('</svg>');
  return out.join('\n');
}

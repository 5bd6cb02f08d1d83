/**
 * A bar chart as inline SVG, drawn from numbers: no chart library (see the package README for
 * why). Each bar has a <title> (its bucket and count, read by screen readers and shown on
 * hover); the figure carries its total and its series name for tests.
 */
const SVG = 'http://www.w3.org/2000/svg';

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>): SVGElementTagNameMap[K] {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attrs)) element.setAttribute(name, String(value));
  return element;
}

export interface ChartInput {
  series: string;
  title: string;
  values: number[];
  /** One label per bucket (its start time). */
  labels: string[];
  note?: string;
}

export function barChart({ series, title, values, labels, note }: ChartInput): HTMLElement {
  const width = 300;
  const height = 90;
  const max = Math.max(1, ...values);
  const total = values.reduce((a, b) => a + b, 0);
  const figure = document.createElement('figure');
  figure.className = 'chart';
  figure.dataset.series = series;
  figure.dataset.total = String(total);
  const caption = document.createElement('figcaption');
  const strong = document.createElement('strong');
  strong.textContent = title;
  caption.append(strong, ` ${total}`);
  if (note) {
    const small = document.createElement('small');
    small.className = 'muted';
    small.textContent = ` (${note})`;
    caption.append(small);
  }
  const chart = svg('svg', { viewBox: `0 0 ${width} ${height}`, role: 'img', preserveAspectRatio: 'none' });
  chart.setAttribute('aria-label', `${title}: ${total} in all; largest bucket ${Math.max(0, ...values)}`);
  const step = width / values.length;
  values.forEach((value, i) => {
    const barHeight = value === 0 ? 1 : Math.max(3, (value / max) * (height - 4));
    const bar = svg('rect', {
      x: i * step + 1,
      y: height - barHeight,
      width: Math.max(1, step - 2),
      height: barHeight,
      class: value === 0 ? 'bar empty' : 'bar',
    });
    const tip = svg('title', {});
    tip.textContent = `${labels[i] ?? ''}: ${value}`;
    bar.appendChild(tip);
    chart.appendChild(bar);
  });
  // The time axis, at its ends: where the first bucket starts, and now.
  const axis = document.createElement('div');
  axis.className = 'axis muted';
  const start = document.createElement('span');
  start.textContent = labels[0] ?? '';
  const end = document.createElement('span');
  end.textContent = 'now';
  axis.append(start, end);
  figure.append(caption, chart, axis);
  return figure;
}

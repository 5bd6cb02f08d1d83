/** One lane of the 20-call comparison: a row of 20 call markers, a verdict and a running log. */
import { $ } from './dom.js';

export type CallState = 'idle' | 'waiting' | 'ok' | 'failed';
export type Tone = 'good' | 'bad' | 'neutral';

export interface Lane {
  /** Clears the lane and starts its clock. */
  start(): void;
  call(index: number, state: CallState, title?: string): void;
  /** A log line, stamped with the milliseconds since `start`. */
  log(text: string, tone?: Tone): void;
  /**
   * One line for calls that got the same answer, updated in place as more do (so twenty identical
   * answers do not bury the lines that matter): `text` gets the calls, e.g. "calls 2-6, 8".
   */
  tally(key: string, call: number, text: (calls: string, count: number) => string, tone?: Tone): void;
  verdict(text: string, tone: Tone): void;
  /** The outcome as data attributes of the verdict (for tests and anyone inspecting the page). */
  result(outcome: { succeeded: number; refreshes: number; signedOut: boolean }): void;
}

export const CALLS = 20;

/** "call 3", "calls 2-6, 8, 10-12" (call numbers, ascending). */
export function callList(numbers: number[]): string {
  const sorted = [...numbers].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length;) {
    let j = i;
    while (j + 1 < sorted.length && sorted[j + 1] === (sorted[j] as number) + 1) j++;
    runs.push(j > i ? `${sorted[i]}-${sorted[j]}` : String(sorted[i]));
    i = j + 1;
  }
  return `${sorted.length === 1 ? 'call' : 'calls'} ${runs.join(', ')}`;
}

export function createLane(ids: { calls: string; verdict: string; log: string }): Lane {
  const calls = $<HTMLOListElement>(ids.calls);
  const verdict = $(ids.verdict);
  const log = $<HTMLOListElement>(ids.log);
  let startedAt = performance.now();
  let tallies = new Map<string, { item: HTMLLIElement; calls: number[] }>();
  const stamp = () => `+${Math.round(performance.now() - startedAt)} ms`;
  /** Fills a line; a tally keeps the time of its first call, so the log stays in order. */
  const fill = (item: HTMLLIElement, text: string, tone: Tone) => {
    item.dataset.tone = tone;
    const at = item.querySelector('.at') ?? Object.assign(document.createElement('span'), { className: 'at', textContent: stamp() });
    item.replaceChildren(at, ` ${text}`);
  };
  const markers = Array.from({ length: CALLS }, (_, i) => {
    const marker = document.createElement('li');
    marker.textContent = String(i + 1);
    marker.dataset.state = 'idle';
    calls.append(marker);
    return marker;
  });
  return {
    start() {
      startedAt = performance.now();
      tallies = new Map();
      log.replaceChildren();
      markers.forEach((marker) => {
        marker.dataset.state = 'waiting';
        marker.title = '';
      });
      verdict.dataset.tone = 'neutral';
      verdict.textContent = 'Running…';
      for (const key of ['succeeded', 'refreshes', 'signedOut']) delete verdict.dataset[key];
    },
    call(index, state, title) {
      const marker = markers[index];
      if (!marker) return;
      marker.dataset.state = state;
      if (title) marker.title = title;
    },
    log(text, tone = 'neutral') {
      const item = document.createElement('li');
      fill(item, text, tone);
      log.append(item);
      log.scrollTop = log.scrollHeight;
    },
    tally(key, call, text, tone = 'neutral') {
      let tally = tallies.get(key);
      if (!tally) {
        tally = { item: document.createElement('li'), calls: [] };
        tallies.set(key, tally);
        log.append(tally.item);
      }
      tally.calls.push(call);
      fill(tally.item, text(callList(tally.calls), tally.calls.length), tone);
      log.scrollTop = log.scrollHeight;
    },
    verdict(text, tone) {
      verdict.dataset.tone = tone;
      verdict.textContent = text;
    },
    result({ succeeded, refreshes, signedOut }) {
      verdict.dataset.succeeded = String(succeeded);
      verdict.dataset.refreshes = String(refreshes);
      verdict.dataset.signedOut = String(signedOut);
    },
  };
}

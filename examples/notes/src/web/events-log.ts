/**
 * The auth events list: numbered oldest first, newest at the bottom, kept in sessionStorage so a
 * reload continues it (each tab keeps its own, as each tab sees its own events).
 */
import { DEMO_KEY, timeOfDay } from './dom.js';

interface Entry {
  n: number;
  time: string;
  text: string;
}

const KEEP = 200;

export interface EventsLog {
  add(text: string): void;
}

export function createEventsLog(list: HTMLOListElement): EventsLog {
  let entries: Entry[] = [];
  try {
    entries = JSON.parse(sessionStorage.getItem(DEMO_KEY.events) ?? '[]') as Entry[];
  } catch {
    entries = [];
  }
  const render = (entry: Entry) => {
    const item = document.createElement('li');
    item.value = entry.n;
    item.textContent = `${entry.time}  ${entry.text}`;
    list.append(item);
  };
  entries.forEach(render);
  list.scrollTop = list.scrollHeight;
  return {
    add(text) {
      const entry = { n: (entries.at(-1)?.n ?? 0) + 1, time: timeOfDay(), text };
      entries.push(entry);
      if (entries.length > KEEP) {
        entries.splice(0, entries.length - KEEP);
        list.firstElementChild?.remove();
      }
      sessionStorage.setItem(DEMO_KEY.events, JSON.stringify(entries));
      render(entry);
      list.scrollTop = list.scrollHeight;
    },
  };
}

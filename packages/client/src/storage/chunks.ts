/**
 * Splitting one value over several keys, for stores with a per-value size limit (cookies: ~4 kB
 * each; Expo SecureStore: 2048 bytes). A value that fits is stored as is under `key`; a larger
 * one goes to `key.0 … key.n-1`, then `key` gets a marker naming the count — written last, so a
 * reader never finds a marker whose chunks are not there yet.
 */
import { LatchkeyError } from '../errors.js';
import type { StorageAdapter } from './types.js';

const MARKER = '__latchkey_chunks__:';

/** How a store counts a value's size. */
export type SizeMeasure = 'utf8' | 'uri';

/** Size of one code point: UTF-8 bytes, or characters once percent-encoded (cookies). */
function costOf(measure: SizeMeasure, char: string): number {
  if (measure === 'uri') return encodeURIComponent(char).length;
  const point = char.codePointAt(0) as number;
  return point < 0x80 ? 1 : point < 0x800 ? 2 : point < 0x10000 ? 3 : 4;
}

/** Splits on code-point boundaries (never inside a surrogate pair) into pieces of at most `limit`. */
export function splitValue(value: string, limit: number, measure: SizeMeasure): string[] {
  const chunks: string[] = [];
  let current = '';
  let size = 0;
  for (const char of value) {
    const cost = costOf(measure, char);
    if (size + cost > limit && current) {
      chunks.push(current);
      current = '';
      size = 0;
    }
    current += char;
    size += cost;
  }
  chunks.push(current);
  return chunks;
}

function chunkCount(stored: string | null): number {
  if (!stored?.startsWith(MARKER)) return 0;
  const count = Number(stored.slice(MARKER.length));
  return Number.isSafeInteger(count) && count > 0 && count < 1000 ? count : 0;
}

export interface ChunkOptions {
  /** Largest value stored under one key, measured as `measure` says. */
  chunkSize: number;
  /** `utf8` (bytes, default) or `uri` (characters after `encodeURIComponent`). */
  measure?: SizeMeasure;
}

/**
 * Wraps a key-value store so values over `chunkSize` are split across keys.
 *
 * @example
 * import AsyncStorage from '@react-native-async-storage/async-storage';
 * const storage = chunkedStorage(AsyncStorage, { chunkSize: 1_000_000 });
 */
export function chunkedStorage(store: StorageAdapter, options: ChunkOptions): StorageAdapter {
  const measure = options.measure ?? 'utf8';
  const limit = Math.floor(options.chunkSize);
  if (!(limit >= 64)) throw new LatchkeyError('invalid_argument', 'chunkSize must be at least 64.');

  async function removeChunks(key: string, from: number, to: number): Promise<void> {
    for (let i = from; i < to; i++) await store.removeItem(`${key}.${i}`);
  }

  const adapter: StorageAdapter = {
    async getItem(key) {
      const stored = await store.getItem(key);
      const count = chunkCount(stored);
      if (!count) return stored;
      let value = '';
      for (let i = 0; i < count; i++) {
        const chunk = await store.getItem(`${key}.${i}`);
        if (chunk === null) return null; // incomplete: treat as absent, never as a different value
        value += chunk;
      }
      return value;
    },
    async setItem(key, value) {
      const previous = chunkCount(await store.getItem(key));
      const chunks = splitValue(value, limit, measure);
      if (chunks.length === 1) {
        await store.setItem(key, value);
        await removeChunks(key, 0, previous);
        return;
      }
      for (let i = 0; i < chunks.length; i++) await store.setItem(`${key}.${i}`, chunks[i] as string);
      await store.setItem(key, `${MARKER}${chunks.length}`);
      await removeChunks(key, chunks.length, previous);
    },
    async removeItem(key) {
      const previous = chunkCount(await store.getItem(key));
      await store.removeItem(key);
      await removeChunks(key, 0, previous);
    },
  };
  if (store.subscribe) adapter.subscribe = store.subscribe.bind(store);
  return adapter;
}

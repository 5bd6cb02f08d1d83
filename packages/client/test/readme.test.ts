/** The README documents exactly what the code has: every error code, option and event. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../src/errors.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The first-column `code` cells of the table under `heading`. */
function tableKeys(heading: string): string[] {
  const section = readme.split(new RegExp(`^## ${heading}$`, 'm'))[1]?.split(/^## /m)[0] ?? '';
  return [...section.matchAll(/^\| `([\w]+)` \|/gm)].map((m) => m[1] as string);
}

describe('README', () => {
  it('lists every error code, in the order of ERROR_CODES, and no other', () => {
    expect(tableKeys('Errors')).toEqual([...ERROR_CODES]);
  });

  it('documents every createClient option, and no other', () => {
    const source = readFileSync(join(root, 'src/options.ts'), 'utf8');
    const block = source.split('export interface ClientOptions {')[1]?.split('\n}')[0] ?? '';
    const options = [...block.matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1]);
    expect(options.length).toBeGreaterThan(5);
    expect(tableKeys('Options')).toEqual(options);
  });

  it('documents every event', () => {
    const source = readFileSync(join(root, 'src/types.ts'), 'utf8');
    const events = [...(source.match(/export type AuthChangeEvent =\s*([^;]+);/)?.[1] ?? '').matchAll(/'(\w+)'/g)].map((m) => m[1]);
    expect(events).toHaveLength(7);
    expect(tableKeys('Events')).toEqual(events);
  });
});

/** The reference docs are rendered from the code; a committed page that differs is a failure. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { SETTINGS } from '../src/config.js';
import { referencePages } from '../src/reference.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

it.each(Object.entries(referencePages()))('%s is current (run `npm run docs` after changing the code)', (path, expected) => {
  expect(readFileSync(`${root}${path}`, 'utf8')).toBe(expected);
});

it('the README documents every setting', () => {
  const readme = readFileSync(`${root}README.md`, 'utf8');
  for (const s of SETTINGS) expect(readme, s.env).toContain(s.env);
});

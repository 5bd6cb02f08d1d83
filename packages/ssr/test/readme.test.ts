/** The README documents exactly what the code has: every error code and every option, in order. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, SSR_ERROR_CODES } from '../src/errors.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');

/** The first-column `code` cells of the first table under the heading `title` (any level). */
function tableKeys(title: string): string[] {
  const section = readme.split(new RegExp(`^#+ ${title}$`, 'm'))[1]?.split(/^#+ /m)[0] ?? '';
  return [...section.matchAll(/^\| `(\w+)(?:\([^`]*\))?` \|/gm)].map((m) => m[1] as string);
}

/** The property names of `interface name { … }` in a source file (direct members, in order). */
function members(file: string, name: string): string[] {
  const source = readFileSync(join(root, 'src', file), 'utf8');
  const block = source.split(new RegExp(`export interface ${name}(?: extends [^{]+)? \\{`))[1]?.split('\n}')[0] ?? '';
  return [...block.matchAll(/^ {2}(\w+)\??:/gm)].map((m) => m[1] as string);
}

describe('README', () => {
  it('lists every error code in the order of ERROR_CODES, each with its status', () => {
    expect(tableKeys('Errors')).toEqual([...ERROR_CODES]);
    for (const code of ERROR_CODES) expect(readme).toContain(`| \`${code}\` | ${SSR_ERROR_CODES[code][0]} |`);
  });

  it('documents every createServerClient option', () => {
    const options = members('server-client.ts', 'ServerClientOptions');
    expect(options.length).toBeGreaterThan(5);
    expect(tableKeys('createServerClient options')).toEqual(options);
  });

  it('documents every cookie option (the name, the chunk size and each attribute)', () => {
    const own = members('server-client.ts', 'CookieOptions');
    const attributes = members('cookies/attributes.ts', 'CookieAttributeOptions');
    expect([...tableKeys('Cookie options')].sort()).toEqual([...own, ...attributes].sort());
  });

  it('documents every authCallback option (beyond the server client’s)', () => {
    expect(tableKeys('authCallback options')).toEqual(members('auth-callback.ts', 'AuthCallbackOptions'));
  });

  it('documents every createTokenHandler option and session cookie option', () => {
    expect(tableKeys('createTokenHandler options')).toEqual(members('bff/options.ts', 'TokenHandlerOptions'));
    expect(tableKeys('Session cookie options')).toEqual(members('bff/session-cookie.ts', 'TokenCookieOptions'));
  });
});

/** The public surface of both entry points, and the package's exports map pointing at the build. */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as bff from '../src/bff/index.js';
import * as main from '../src/index.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

describe('entry points', () => {
  it('`.` exports the server client, the glue, the callback route and the error type, and nothing of the BFF', () => {
    expect(Object.keys(main).sort()).toEqual(
      [
        'DEFAULT_CHUNK_SIZE',
        'DEFAULT_COOKIE_NAME',
        'ERROR_CODES',
        'SSR_ERROR_CODES',
        'SsrError',
        'VERIFIER_MAX_AGE',
        'authCallback',
        'createServerClient',
        'isSsrError',
        'nodeAuthCallback',
        'nodeCookies',
        'parseCookieHeader',
        'serializeCookie',
        'webCookies',
      ].sort(),
    );
  });

  it('`./bff` exports the token handler, stores, locks and the Node adapter', () => {
    expect(Object.keys(bff).sort()).toEqual(
      [
        'ERROR_CODES',
        'SSR_ERROR_CODES',
        'SsrError',
        'createTokenHandler',
        'encryptedStore',
        'isSsrError',
        'memoryLock',
        'memoryStore',
        'nodeHandler',
        'postgresLock',
        'postgresStore',
        'redisLock',
        'redisStore',
        'sendWebResponse',
        'toWebRequest',
      ].sort(),
    );
  });

  it('package.json maps both subpaths to types and code in dist, and depends on @latchkey/client only', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
    expect(pkg.exports).toEqual({
      '.': { types: './dist/index.d.ts', default: './dist/index.js' },
      './bff': { types: './dist/bff/index.d.ts', default: './dist/bff/index.js' },
    });
    expect(Object.keys(pkg.dependencies)).toEqual(['@latchkey/client']);
  });

  it('imports no database driver, and node: modules for types only', () => {
    const files = (dir: string): string[] =>
      readdirSync(join(root, 'src', dir), { withFileTypes: true }).flatMap((entry) =>
        entry.isDirectory() ? files(join(dir, entry.name)) : [join(dir, entry.name)],
      );
    for (const file of files('.')) {
      const source = readFileSync(join(root, 'src', file), 'utf8');
      expect(source, file).not.toMatch(/^import .* from '(pg|ioredis|redis|express)';$/m); // TSDoc examples may show them
      // Only the Node glue may name node: modules, and only for types.
      for (const match of source.matchAll(/^import (type )?.*from 'node:[^']+';$/gm)) expect(match[1], file).toBe('type ');
    }
  });
});

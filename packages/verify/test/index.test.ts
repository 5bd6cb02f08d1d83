/** The published surface: what the entry point exports, the subpath exports, zero runtime deps. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from '../src/index.js';

const root = new URL('../', import.meta.url);
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  exports: Record<string, { types: string; default: string } | string>;
  dependencies?: Record<string, string>;
};

function sourceFiles(dir: URL): URL[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory() ? sourceFiles(new URL(`${entry.name}/`, dir)) : entry.name.endsWith('.ts') ? [new URL(entry.name, dir)] : [],
  );
}

describe('@latchkey/verify', () => {
  it('exports exactly its documented runtime API from the entry point', () => {
    expect(Object.keys(api).sort()).toEqual(['VERIFY_ERROR_CODES', 'VerifyError', 'createVerifier', 'isVerifyError']);
  });

  it('publishes ".", ./express, ./fastify, ./hono and ./web, each with types and code from dist', () => {
    for (const [subpath, name] of [
      ['.', 'index'],
      ['./express', 'express'],
      ['./fastify', 'fastify'],
      ['./hono', 'hono'],
      ['./web', 'web'],
    ] as const) {
      expect(pkg.exports[subpath], subpath).toEqual({ types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` });
      expect(existsSync(new URL(`src/${name}.ts`, root)), `src/${name}.ts`).toBe(true);
    }
  });

  it('has no runtime dependencies: src imports only node: builtins, its own files, or types', () => {
    expect(pkg.dependencies ?? {}).toEqual({});
    const offenders: string[] = [];
    for (const file of sourceFiles(new URL('src/', root))) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(/^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+'([^']+)'/gm)) {
        const [, , typeOnly, specifier] = match;
        if (!typeOnly && !specifier!.startsWith('node:') && !specifier!.startsWith('.')) offenders.push(`${file.pathname}: ${specifier}`);
      }
    }
    expect(offenders).toEqual([]);
  });
});

/** The package entry: a small public surface, no side effects at import, TSDoc examples. */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';

const src = join(dirname(fileURLToPath(import.meta.url)), '../src');

describe('@latchkey/client entry', () => {
  it('exports exactly the public API (internals stay unexported)', async () => {
    const api = await import('../src/index.js');
    expect(Object.keys(api).sort()).toEqual(
      [
        'DEFAULT_STORAGE_KEY',
        'ERROR_CODES',
        'LatchkeyError',
        'autoRefreshOnAppState',
        'browserStorage',
        'chunkedStorage',
        'cookieStorage',
        'createClient',
        'detectSessionInUrl',
        'exchangeCodeForSession',
        'isLatchkeyError',
        'memoryStorage',
        'processLock',
        'reauthenticate',
        'resend',
        'resetPasswordForEmail',
        'secureStoreStorage',
        'signInAnonymously',
        'signInWithOtp',
        'signInWithOAuth',
        'signInWithIdToken',
        'linkIdentity',
        'unlinkIdentity',
        'getUserIdentities',
        'verifyOtp',
        'webLocks',
      ].sort(),
    );
  });

  it('importing it touches no browser global (safe to import during SSR)', async () => {
    const names = ['window', 'document', 'localStorage', 'sessionStorage', 'navigator', 'BroadcastChannel', 'location'];
    const touched: string[] = [];
    const saved = names.map((name) => [name, Object.getOwnPropertyDescriptor(globalThis, name)] as const);
    for (const [name, descriptor] of saved) {
      Object.defineProperty(globalThis, name, {
        configurable: true,
        get() {
          touched.push(name);
          return descriptor?.get ? descriptor.get.call(globalThis) : descriptor?.value;
        },
      });
    }
    try {
      vi.resetModules();
      await import('../src/index.js?ssr' as string);
    } finally {
      for (const [name, descriptor] of saved) {
        if (descriptor) Object.defineProperty(globalThis, name, descriptor);
        else delete (globalThis as Record<string, unknown>)[name];
      }
    }
    expect(touched).toEqual([]);
  });

  it('every exported function and every client method has a TSDoc @example', () => {
    const files: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir)) {
        const path = join(dir, entry);
        if (statSync(path).isDirectory()) walk(path);
        else if (path.endsWith('.ts')) files.push(path);
      }
    };
    walk(src);
    const index = readFileSync(join(src, 'index.ts'), 'utf8');
    const exported = new Set(
      [...index.matchAll(/export \{([^}]+)\}/g)].flatMap((m) =>
        (m[1] as string)
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s && !s.startsWith('type ')),
      ),
    );
    const missing: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(\/\*\*(?:(?!\*\/)[\s\S])*\*\/\s*)?export (?:async )?function (\w+)/g)) {
        if (exported.has(m[2] as string) && !m[1]?.includes('@example')) missing.push(m[2] as string);
      }
    }
    const client = readFileSync(join(src, 'client.ts'), 'utf8');
    const body = client.split('export interface LatchkeyClient {')[1]?.split('\n}')[0] ?? '';
    for (const m of body.matchAll(/(\/\*\*(?:(?!\*\/)[\s\S])*\*\/\s*)?\n {2}(\w+)\(/g))
      if (!m[1]?.includes('@example')) missing.push(`client.${m[2]}`);
    expect(body.match(/\n {2}\w+\(/g)?.length).toBe(15);
    expect(missing).toEqual([]);
  });
});

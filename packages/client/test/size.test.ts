/**
 * Size budget: the core (createClient: sign-in, session, refresh, fetch) stays ≤ 8 kB min+gzip.
 * Bundled and minified from src with rolldown (vite's bundler, already installed), which strips
 * the TypeScript the way tsc does; no build step, so it never races the browser test's build.
 */
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';

const packageDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const BUDGET = 8 * 1024;

async function minGzip(entry: string): Promise<number> {
  const { rolldown } = await import('rolldown');
  const bundle = await rolldown({
    input: 'entry',
    cwd: packageDir,
    resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
    plugins: [
      { name: 'entry', resolveId: (id: string) => (id === 'entry' ? id : null), load: (id: string) => (id === 'entry' ? entry : null) },
    ],
  });
  const { output } = await bundle.generate({ format: 'esm', minify: true });
  return gzipSync(output[0].code).length;
}

describe('size', () => {
  it('core ≤ 8 kB min+gzip', async () => {
    const core = await minGzip(`export { createClient, isLatchkeyError } from ${JSON.stringify(join(packageDir, 'src/index.ts'))};`);
    const everything = await minGzip(`export * from ${JSON.stringify(join(packageDir, 'src/index.ts'))};`);
    console.info(`[size] core ${core} B, everything ${everything} B (min+gzip; budget ${BUDGET} B for core)`);
    expect(core).toBeGreaterThan(2000); // sanity: the bundle really contains the client
    expect(core).toBeLessThanOrEqual(BUDGET);
  });
});

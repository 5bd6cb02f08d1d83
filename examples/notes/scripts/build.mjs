/**
 * Builds what the demo runs, only when it is missing or older than its sources (after a `git pull`
 * without `npm install`, say), with a line of progress for each step. `npm install` has normally
 * built everything already (the root `prepare` script), and then this costs a directory walk.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DemoStartError } from './ports.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const demo = join(here, '..');
const repo = join(demo, '../..');
const require = createRequire(import.meta.url);

/** Newest modification time (ms) of the files under `paths` whose names pass `only`; 0 when none. */
function newest(paths, only = () => true) {
  let latest = 0;
  const visit = (path) => {
    if (!existsSync(path)) return;
    const stat = statSync(path);
    if (stat.isDirectory()) for (const entry of readdirSync(path)) visit(join(path, entry));
    else if (only(path)) latest = Math.max(latest, stat.mtimeMs);
  };
  for (const path of paths) visit(path);
  return latest;
}

/** True when `output` is missing or older than the newest file under `sources` that `only` passes. */
function stale(output, sources, only) {
  return !existsSync(output) || statSync(output).mtimeMs < newest(sources, only);
}

function run(label, args, progress) {
  const started = Date.now();
  progress(`${label}: building…`);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) => {
      if (code === 0) {
        progress(`${label}: built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
        resolve();
        return;
      }
      process.stderr.write(output);
      reject(new DemoStartError(`building ${label} failed (output above); \`npm run build\` at the repository root shows the same`));
    });
  });
}

/** Brings the compiled packages and the SPA up to date with their sources. */
export async function ensureBuilt(progress = () => {}) {
  // Per project: tsc -b rewrites a project's build info whenever it builds it (not every output).
  const projects = [
    ...['server', 'client', 'verify'].map((name) => [
      join(repo, 'packages', name, 'tsconfig.tsbuildinfo'),
      join(repo, 'packages', name, 'src'),
    ]),
    [join(demo, 'dist/tsconfig.tsbuildinfo'), join(demo, 'src')],
  ];
  if (projects.some(([output, sources]) => stale(output, [sources], (path) => path.endsWith('.ts'))))
    await run('the packages (tsc -b)', [require.resolve('typescript/bin/tsc'), '-b'], progress);

  const spa = [join(demo, 'index.html'), join(demo, 'src/web'), join(demo, 'public'), join(repo, 'packages/client/src')];
  if (stale(join(demo, 'dist/web/index.html'), spa))
    await run(
      'the web app (vite)',
      [join(dirname(require.resolve('vite/package.json')), 'bin/vite.js'), 'build', '--config', join(demo, 'vite.config.mjs')],
      progress,
    );
}

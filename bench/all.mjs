#!/usr/bin/env node
/**
 * Every benchmark, one after the other, each in its own process; the output also goes to
 * bench/results/<date>.txt. bench/verify.mjs (access-token verification, owned with
 * @latchkey/verify) runs too when it is present.
 *
 *   node bench/all.mjs [--seconds 10] [--skip profile,pool-sweep] [--wait-quiet 10]
 *
 * --seconds is passed to the benchmarks that take it (measured time per variant and level).
 * --wait-quiet N: before each benchmark, wait up to N minutes for the machine to be mostly idle
 * (≤ 20% busy over 5 s), since other test runs on a shared machine skew absolute numbers
 * (0 to not wait).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { waitForQuiet } from './lib/quiet.mjs';
import { loadLine } from './lib/report.mjs';

const { values } = parseArgs({
  options: { seconds: { type: 'string' }, skip: { type: 'string', default: '' }, 'wait-quiet': { type: 'string', default: '10' } },
});
const here = fileURLToPath(new URL('.', import.meta.url));
const skip = new Set(values.skip.split(',').filter(Boolean));
const timed = (args) => (values.seconds ? [...args, '--seconds', values.seconds] : args);
const BENCHES = [
  ['refresh', timed([])],
  ['scale-out', timed([])],
  ['password-load', timed([])],
  ['client-burst', []],
  ['memory', timed([])],
  ['profile', timed([])],
  ['pool-sweep', timed([])],
  ['verify', []],
];

mkdirSync(`${here}results`, { recursive: true });
const outFile = `${here}results/${new Date().toISOString().replace(/[:.]/g, '-')}.txt`;
const out = createWriteStream(outFile);
const log = (text) => {
  process.stdout.write(text);
  out.write(text);
};

let failed = 0;
for (const [name, args] of BENCHES) {
  if (skip.has(name)) continue;
  const file = `${here}${name}.mjs`;
  if (!existsSync(file)) {
    log(`\n### ${name}: bench/${name}.mjs not present, skipped\n`);
    continue;
  }
  if (Number(values['wait-quiet']) > 0) await waitForQuiet({ maxMinutes: Number(values['wait-quiet']), log: (t) => log(`${t}\n`) });
  log(`\n\n======== node bench/${name}.mjs ${args.join(' ')}   (${new Date().toISOString()}, ${loadLine()})\n\n`);
  const code = await new Promise((resolve) => {
    const child = spawn(process.execPath, [file, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', (c) => log(c.toString()));
    // Peers print start-up warnings (node-oidc-provider: Node 20 "unsupported runtime", quick-start
    // in-memory adapter): shown on the console, kept out of the results file.
    child.stderr.on('data', (c) => process.stderr.write(c));
    child.on('exit', resolve);
  });
  if (code !== 0) {
    failed++;
    log(`\n!! bench/${name}.mjs exited ${code}\n`);
  }
}
log(`\n(results: ${outFile})\n`);
out.end();
process.exitCode = failed ? 1 : 0;

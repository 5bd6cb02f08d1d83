/**
 * Preloaded into a server (`node --import ./bench/lib/count-crypto.mjs …`): counts calls to the
 * node:crypto operations that matter per request. ESM named imports of builtins are live views of
 * the CommonJS module, so patching it and calling syncBuiltinESMExports() before the app loads
 * reaches `import { sign } from 'node:crypto'` too.
 *
 * On SIGUSR2 the counts are written (JSON) to $LATCHKEY_BENCH_CRYPTO_OUT.
 */
import { writeFileSync } from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';

const crypto = createRequire(import.meta.url)('node:crypto');
const counts = {};
const OPS = [
  'createHmac',
  'createHash',
  'sign',
  'verify',
  'createSign',
  'createVerify',
  'randomUUID',
  'randomBytes',
  'timingSafeEqual',
  'createCipheriv',
  'createDecipheriv',
  'hkdfSync',
  'pbkdf2Sync',
  'scryptSync',
  'createPrivateKey',
  'createPublicKey',
  'generateKeyPairSync',
];
for (const op of OPS) {
  const original = crypto[op];
  if (typeof original !== 'function') continue;
  crypto[op] = function counted(...args) {
    counts[op] = (counts[op] ?? 0) + 1;
    return original.apply(this, args);
  };
}
// webcrypto.subtle.sign/verify would be async crypto on the thread pool; count them too.
const subtle = crypto.webcrypto?.subtle;
if (subtle) {
  for (const op of ['sign', 'verify', 'digest', 'importKey']) {
    const original = subtle[op].bind(subtle);
    subtle[op] = (...args) => {
      counts[`subtle.${op}`] = (counts[`subtle.${op}`] ?? 0) + 1;
      return original(...args);
    };
  }
}
syncBuiltinESMExports();

process.on('SIGUSR2', () => {
  if (process.env.LATCHKEY_BENCH_CRYPTO_OUT) writeFileSync(process.env.LATCHKEY_BENCH_CRYPTO_OUT, JSON.stringify(counts));
});

/** The error type: a closed code list with statuses, a brand that survives duplicate bundles. */
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isSsrError, SSR_ERROR_CODES, SsrError } from '../src/index.js';
import * as bff from '../src/bff/index.js';

describe('SsrError', () => {
  it('carries a code from the closed list, its status and default message, and a cause', () => {
    const cause = new Error('underlying');
    const error = new SsrError('lock_timeout', undefined, { cause });
    expect(error).toMatchObject({ name: 'SsrError', code: 'lock_timeout', status: 503, message: SSR_ERROR_CODES.lock_timeout[1], cause });
    expect(new SsrError('bad_request', 'Custom.').message).toBe('Custom.');
    for (const code of ERROR_CODES) expect(SSR_ERROR_CODES[code][0]).toBeGreaterThanOrEqual(400);
  });

  it('isSsrError checks the brand (another copy of the package passes, a look-alike does not), and the code', () => {
    const foreign = Object.defineProperty(Object.assign(new Error('x'), { code: 'csrf_rejected' }), Symbol.for('latchkey.ssr.error'), {
      value: true,
    });
    expect(isSsrError(foreign)).toBe(true);
    expect(isSsrError(foreign, 'csrf_rejected')).toBe(true);
    expect(isSsrError(foreign, 'bad_request')).toBe(false);
    expect(isSsrError(Object.assign(new Error('x'), { code: 'csrf_rejected' }))).toBe(false);
    expect(isSsrError(null)).toBe(false);
    expect(isSsrError('csrf_rejected')).toBe(false);
  });

  it('is the same type from both entry points', () => {
    expect(bff.SsrError).toBe(SsrError);
    expect(bff.isSsrError).toBe(isSsrError);
    expect(bff.ERROR_CODES).toBe(ERROR_CODES);
  });
});

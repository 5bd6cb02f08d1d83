import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { VERIFY_ERROR_CODES, VerifyError, isVerifyError } from '../src/errors.js';

const codes = Object.keys(VERIFY_ERROR_CODES).sort();

/** The members of the exported `VerifyErrorCode` type, read by the TypeScript compiler. */
function typeMembers(): string[] {
  const file = fileURLToPath(new URL('../src/errors.ts', import.meta.url));
  const program = ts.createProgram([file], { strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, types: [], skipLibCheck: true });
  const checker = program.getTypeChecker();
  const moduleSymbol = checker.getSymbolAtLocation(program.getSourceFile(file)!)!;
  const alias = checker.getExportsOfModule(moduleSymbol).find((s) => s.name === 'VerifyErrorCode');
  if (!alias) throw new Error('VerifyErrorCode is not exported');
  const type = checker.getDeclaredTypeOfSymbol(alias);
  const parts = type.isUnion() ? type.types : [type];
  return parts
    .map((part) => {
      // A non-literal member (say `string`) would open the closed list: fail on it.
      if (!part.isStringLiteral()) throw new Error(`VerifyErrorCode has a non-literal member: ${checker.typeToString(part)}`);
      return part.value;
    })
    .sort();
}

/** The codes listed in the README's "Error codes" table. */
function readmeCodes(): string[] {
  const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
  const section = readme.split(/^## /m).find((s) => s.startsWith('Error codes'));
  if (!section) throw new Error('README has no "## Error codes" section');
  return [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]!).sort();
}

describe('the error code list', () => {
  it('is the same in src, in the VerifyErrorCode type and in the README', () => {
    expect(codes.length).toBeGreaterThanOrEqual(9);
    expect(typeMembers()).toEqual(codes);
    expect(readmeCodes()).toEqual(codes);
  });

  it('documents each code with its HTTP status in the README', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    for (const [code, [status]] of Object.entries(VERIFY_ERROR_CODES)) {
      expect(readme, code).toMatch(new RegExp(`^\\| \`${code}\` \\| ${status} \\|`, 'm'));
    }
  });

  it('covers at least the failures issue 3 names', () => {
    for (const code of [
      'malformed',
      'expired',
      'not_yet_valid',
      'bad_signature',
      'unknown_key',
      'algorithm_not_allowed',
      'wrong_issuer',
      'wrong_audience',
      'jwks_unavailable',
    ]) {
      expect(codes).toContain(code);
    }
  });

  it('has messages that are valid RFC 6750 error_description values', () => {
    for (const [code, [, message]] of Object.entries(VERIFY_ERROR_CODES)) {
      expect(message, code).toMatch(/^[\x20\x21\x23-\x5B\x5D-\x7E]+$/);
    }
  });
});

describe('VerifyError', () => {
  it('carries its code, the code status and the default message', () => {
    const error = new VerifyError('expired');
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('VerifyError');
    expect(error.code).toBe('expired');
    expect(error.status).toBe(401);
    expect(error.message).toBe(VERIFY_ERROR_CODES.expired[1]);
    expect(new VerifyError('jwks_unavailable').status).toBe(503);
    expect(new VerifyError('forbidden').status).toBe(403);
  });

  it('takes a specific message and a cause', () => {
    const cause = new Error('ECONNREFUSED');
    const error = new VerifyError('jwks_unavailable', 'The JWKS is down.', { cause });
    expect(error.message).toBe('The JWKS is down.');
    expect(error.cause).toBe(cause);
  });
});

describe('isVerifyError', () => {
  it('recognises a VerifyError, optionally of one code', () => {
    const error = new VerifyError('bad_signature');
    expect(isVerifyError(error)).toBe(true);
    expect(isVerifyError(error, 'bad_signature')).toBe(true);
    expect(isVerifyError(error, 'expired')).toBe(false);
  });

  it('recognises one from a duplicate copy of the package (brand, not instanceof)', () => {
    const foreign = Object.assign(new Error('x'), { code: 'expired', [Symbol.for('latchkey.verify.error')]: true });
    expect(foreign).not.toBeInstanceOf(VerifyError);
    expect(isVerifyError(foreign, 'expired')).toBe(true);
  });

  it('rejects look-alikes without the brand', () => {
    expect(isVerifyError(Object.assign(new Error('x'), { code: 'expired', status: 401 }))).toBe(false);
    expect(isVerifyError({ code: 'expired' })).toBe(false);
    expect(isVerifyError(null)).toBe(false);
    expect(isVerifyError('expired')).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { isVerifyError } from '../../src/errors.js';
import { parseCompact, rememberHeader } from '../../src/lib/compact.js';
import { b64 } from '../support/tokens.js';

const code = (token: unknown) => {
  try {
    parseCompact(token);
    return 'ok';
  } catch (error) {
    return isVerifyError(error) ? error.code : 'other';
  }
};

describe('parseCompact', () => {
  it('splits a compact JWS without decoding its payload', () => {
    const token = `${b64({ alg: 'ES256', kid: 'k' })}.not-even-json.AAAA`;
    const jws = parseCompact(token);
    expect(jws.header).toEqual({ alg: 'ES256', kid: 'k' });
    expect(jws.payload).toBe('not-even-json');
    expect(jws.signingInput).toBe(token.slice(0, token.lastIndexOf('.')));
    expect(jws.signature).toEqual(Buffer.from('AAAA', 'base64url'));
  });

  it.each([
    ['a non-string', 42],
    ['one segment', 'abc'],
    ['an empty header', `.${b64({})}.AAAA`],
    ['an empty payload', `${b64({ alg: 'ES256' })}..AAAA`],
    ['standard base64 characters', `${b64({ alg: 'ES256' })}.a+b/.AAAA`],
    ['a header that is JSON null', `${b64('null')}.e30.AAAA`],
    ['a numeric alg', `${b64({ alg: 256 })}.e30.AAAA`],
    ['a crit header', `${b64({ alg: 'ES256', crit: ['exp'] })}.e30.AAAA`],
  ])('refuses %s as malformed', (_name, token) => {
    expect(code(token)).toBe('malformed');
  });

  it('only remembers the headers it is told to, and still parses each header it has not seen', () => {
    const header = b64({ alg: 'ES256', kid: `k-${Math.random()}` });
    const first = parseCompact(`${header}.e30.AAAA`);
    expect(parseCompact(`${header}.e30.AAAA`).header).not.toBe(first.header);
    rememberHeader(first);
    expect(parseCompact(`${header}.e30.BBBB`).header).toBe(first.header);
  });
});

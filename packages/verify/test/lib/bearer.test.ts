import { describe, expect, it } from 'vitest';
import { isVerifyError } from '../../src/errors.js';
import { bearerToken } from '../../src/lib/bearer.js';

const outcome = (header: Parameters<typeof bearerToken>[0]) => {
  try {
    return bearerToken(header);
  } catch (error) {
    return isVerifyError(error) ? `!${error.code}` : 'other';
  }
};

describe('bearerToken', () => {
  it.each([
    ['Bearer abc.def.ghi', 'abc.def.ghi'],
    ['bearer abc.def.ghi', 'abc.def.ghi'],
    ['BEARER  abc.def.ghi ', 'abc.def.ghi'],
    ['Bearer a-b_c~d+e/f==', 'a-b_c~d+e/f=='],
  ])('reads %j', (header, token) => {
    expect(outcome(header)).toBe(token);
  });

  it.each([
    [undefined, '!missing_token'],
    [null, '!missing_token'],
    ['', '!missing_token'],
    ['Basic dXNlcjpwYXNz', '!missing_token'],
    ['Token abc', '!missing_token'],
    ['Bearer', '!malformed'],
    ['Bearer ', '!malformed'],
    ['Bearer a b', '!malformed'],
    ['Bearer a,b', '!malformed'],
    ['Bearer\tabc', '!missing_token'],
    [['Bearer a', 'Bearer b'], '!malformed'],
  ])('answers %j with %s', (header, expected) => {
    expect(outcome(header as never)).toBe(expected);
  });
});

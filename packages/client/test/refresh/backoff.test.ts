/** Backoff: exponential, capped, jittered; Retry-After wins when longer. */
import { describe, expect, it } from 'vitest';
import { backoffDelay } from '../../src/refresh/backoff.js';

describe('backoff', () => {
  const policy = { base: 100, cap: 1000 };
  it('doubles per attempt, up to the cap, jittered into [half, full)', () => {
    expect([0, 1, 2, 3, 4, 10].map((n) => backoffDelay(policy, n, () => 0))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([0, 1, 2].map((n) => backoffDelay(policy, n, () => 0.999999))).toEqual([
      expect.closeTo(100, 0),
      expect.closeTo(200, 0),
      expect.closeTo(400, 0),
    ]);
  });
  it('Retry-After wins when longer', () => {
    expect(backoffDelay(policy, 0, () => 0, 5000)).toBe(5000);
    expect(backoffDelay(policy, 3, () => 0, 10)).toBe(400);
  });
});

import { describe, expect, it } from 'vitest';
import { backoffDelay, retryAfterMs, RETRYABLE_STATUS } from '../../../src-main/engine/net/retry.js';

const policy = { maxAttempts: 5, baseDelayMs: 100, maxDelayMs: 1000 };

describe('backoff with full jitter', () => {
  it('draws uniformly below an exponential ceiling, capped', () => {
    const top = (k: number): number => backoffDelay(k, { ...policy, random: () => 0.999999 });
    expect([0, 1, 2, 3, 4, 5].map(top)).toEqual([99, 199, 399, 799, 999, 999]);
    expect(backoffDelay(3, { ...policy, random: () => 0 })).toBe(0);
    expect(backoffDelay(1000, { ...policy, random: () => 0.5 })).toBe(500);
  });

  it('spreads clients out (not lockstep)', () => {
    const draws = new Set(Array.from({ length: 50 }, () => backoffDelay(3, policy)));
    expect(draws.size).toBeGreaterThan(10);
  });

  it('retries exactly the statuses of PROTOCOL.md §2', () => {
    expect([...RETRYABLE_STATUS].sort()).toEqual([408, 429, 500, 502, 503, 504]);
  });

  it('reads Retry-After in seconds, capped; ignores dates and junk', () => {
    expect(retryAfterMs('2', policy)).toBe(1000);
    expect(retryAfterMs('0', policy)).toBe(0);
    expect(retryAfterMs(' 1 ', { ...policy, maxDelayMs: 5000 })).toBe(1000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', policy)).toBeNull();
    expect(retryAfterMs(undefined, policy)).toBeNull();
  });
});

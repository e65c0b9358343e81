import { AuthFailureLimiter } from './auth-failure-limiter';

describe('AuthFailureLimiter', () => {
  it('lets an address fail up to its limit, then asks it to wait until the minute is over', () => {
    let now = 1_000_000;
    const limiter = new AuthFailureLimiter(3, () => now);
    for (let i = 0; i < 3; i++) {
      expect(limiter.retryAfterSeconds('203.0.113.7')).toBe(0);
      limiter.recordFailure('203.0.113.7');
    }
    expect(limiter.retryAfterSeconds('203.0.113.7')).toBe(60);
    expect(limiter.retryAfterSeconds('198.51.100.1')).toBe(0);
    now += 45_500;
    expect(limiter.retryAfterSeconds('203.0.113.7')).toBe(15);
    now += 15_000;
    expect(limiter.retryAfterSeconds('203.0.113.7')).toBe(0);
  });

  it('never limits when the limit is 0', () => {
    const limiter = new AuthFailureLimiter(0);
    for (let i = 0; i < 100; i++) limiter.recordFailure('203.0.113.7');
    expect(limiter.retryAfterSeconds('203.0.113.7')).toBe(0);
  });
});

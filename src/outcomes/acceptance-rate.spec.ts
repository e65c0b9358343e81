import { acceptanceRate } from './acceptance-rate';

describe('the acceptance rate', () => {
  it('is verified ÷ (verified + rejected) to four places, half up, e.g. 0.78 for the radiology copilot', () => {
    expect(acceptanceRate(7800, 2200)).toBe('0.78');
    expect(acceptanceRate(2, 1)).toBe('0.6667');
    expect(acceptanceRate(5, 1)).toBe('0.8333');
    expect(acceptanceRate(1, 0)).toBe('1');
    expect(acceptanceRate(0, 3)).toBe('0');
  });

  it('rounds half up at the fifth place', () => {
    // 1 of 32 = 0.03125 → 0.0313
    expect(acceptanceRate(1, 31)).toBe('0.0313');
  });

  it('is null when nothing was judged', () => {
    expect(acceptanceRate(0, 0)).toBeNull();
  });
});

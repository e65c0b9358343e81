import { creditCodeCheckChar, creditCodeProblem, taxIdProblem } from './tax-id';

describe('unified social credit code (GB 32100-2015)', () => {
  // Published codes of real companies: Tencent (Shenzhen), Huawei, Alibaba (Hangzhou), the
  // standard's own example, and a Shanghai company.
  it.each(['9144030071526726XG', '914403001922038216', '91330100799655058B', '91350100M000100Y43', '91310000717854505W'])(
    'accepts the real code %s',
    (code) => {
      expect(creditCodeProblem(code)).toBeNull();
    },
  );

  it('computes the check character from the first 17 characters', () => {
    expect(creditCodeCheckChar('9144030071526726X')).toBe('G');
    expect(creditCodeCheckChar('91440300192203821')).toBe('6');
  });

  it.each([
    ['9144030071526726XH', 'check character'], // last character changed
    ['9144030071526762XG', 'check character'], // two characters swapped
    ['914403001922038217', 'check character'],
    ['9144030071526726X', '18 characters'],
    ['9144030071526726XGG', '18 characters'],
    ['9144030071526726IG', 'capitals other than I'], // I is not in the alphabet
    ['91A4030071526726XG', '6-digit region code'],
    ['9144030071526726xg', 'capitals'], // lower case is not the code
  ])('refuses %s (%s)', (code, why) => {
    expect(creditCodeProblem(code)).toContain(why);
  });

  it('checks CN tax ids only; elsewhere any non-blank text is a tax id', () => {
    expect(taxIdProblem('CN', '9144030071526726XH')).not.toBeNull();
    expect(taxIdProblem('DE', 'DE123456789')).toBeNull();
    expect(taxIdProblem(null, 'EIN 12-3456789')).toBeNull();
    expect(taxIdProblem('US', '  ')).not.toBeNull();
  });
});

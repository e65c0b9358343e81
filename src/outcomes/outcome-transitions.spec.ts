import { OUTCOME_TRANSITIONS, refusal, transitionOf } from './outcome-transitions';

describe('the outcome state machine', () => {
  it('lets the customer decide recorded claims and dispute verified ones, and nobody else', () => {
    expect(refusal('verify', 'recorded', 'customer')).toBeNull();
    expect(refusal('reject', 'recorded', 'customer')).toBeNull();
    expect(refusal('dispute', 'verified', 'customer')).toBeNull();
    for (const role of ['vendor_admin', 'auditor'] as const) {
      expect(refusal('verify', 'recorded', role)).toBe('role');
      expect(refusal('dispute', 'verified', role)).toBe('role');
    }
  });

  it('lets the vendor resolve a dispute and correct what is not final', () => {
    expect(refusal('uphold', 'disputed', 'vendor_admin')).toBeNull();
    expect(refusal('reverse', 'disputed', 'vendor_admin')).toBeNull();
    for (const from of ['recorded', 'verified', 'disputed'] as const) expect(refusal('correct', from, 'vendor_admin')).toBeNull();
    for (const from of ['rejected', 'reversed'] as const) expect(refusal('correct', from, 'vendor_admin')).toBe('status');
  });

  it('refuses a move from a status the table does not list', () => {
    expect(refusal('verify', 'verified', 'customer')).toBe('status');
    expect(refusal('dispute', 'disputed', 'customer')).toBe('status');
    expect(refusal('uphold', 'verified', 'vendor_admin')).toBe('status');
  });

  it('auto-verifies only metered (auto) types, by the system', () => {
    expect(transitionOf('auto_verify')).toMatchObject({ from: ['recorded'], to: 'verified', by: ['system'], verifiers: ['auto'] });
  });

  it('ends in rejected or reversed: no move leaves them', () => {
    const from = new Set(OUTCOME_TRANSITIONS.flatMap((t) => t.from));
    expect(from.has('rejected')).toBe(false);
    expect(from.has('reversed')).toBe(false);
  });
});

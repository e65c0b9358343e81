import { deciderOf, decisionRefusal, OUTCOME_TRANSITIONS, refusal, transitionOf } from './outcome-transitions';

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

  describe('who decides a recorded outcome', () => {
    const bureau = { id: '00000000-0000-7000-8000-0000000000b1', key: 'sz-traffic-bureau', name: 'Shenzhen Traffic Bureau' };
    const registered = new Map([[bureau.key, bureau], [bureau.id, bureau]]);

    it('gives a third-party type to the registered verifier its terms name, by key or by id', () => {
      expect(deciderOf('third_party', 'sz-traffic-bureau', registered)).toEqual({ kind: 'verifier', verifier: bureau });
      expect(deciderOf('third_party', bureau.id, registered)).toEqual({ kind: 'verifier', verifier: bureau });
    });

    it('leaves customer types, and third-party names nobody registered, to the customer', () => {
      expect(deciderOf('customer', undefined, registered)).toEqual({ kind: 'customer' });
      expect(deciderOf('third_party', 'Plant QA', registered)).toEqual({ kind: 'customer' });
      // A verifier named on a customer type (the parser refuses it; stored terms cannot carry it) gains nothing.
      expect(deciderOf('customer', 'sz-traffic-bureau', registered)).toEqual({ kind: 'customer' });
    });

    it('lets only that verifier’s keys decide its types, and verifier keys nothing else', () => {
      const byBureau = deciderOf('third_party', 'sz-traffic-bureau', registered);
      expect(decisionRefusal(byBureau, { role: 'verifier', verifierId: bureau.id })).toBeNull();
      expect(decisionRefusal(byBureau, { role: 'verifier', verifierId: '00000000-0000-7000-8000-0000000000b2' })).toBe('verifier_not_assigned');
      expect(decisionRefusal(byBureau, { role: 'customer' })).toBe('decided_by_verifier');
      expect(decisionRefusal({ kind: 'customer' }, { role: 'customer' })).toBeNull();
      expect(decisionRefusal({ kind: 'customer' }, { role: 'verifier', verifierId: bureau.id })).toBe('verifier_not_assigned');
    });

    it('lets verifier keys verify and reject but not dispute', () => {
      expect(refusal('verify', 'recorded', 'verifier')).toBeNull();
      expect(refusal('reject', 'recorded', 'verifier')).toBeNull();
      expect(refusal('dispute', 'verified', 'verifier')).toBe('role');
    });
  });
});

import { scopeOf, scopeSeesContract, scopeSql, vendorScope } from './scope';

const V = 'v-1';
const auditor = scopeOf({ vendorId: V, keyId: 'k', role: 'auditor', customerId: null, contractIds: ['c-1', 'c-2'] });
const customer = scopeOf({ vendorId: V, keyId: 'k', role: 'customer', customerId: 'cu-1', contractIds: null });

describe('scopeSql, the one tenant/role filter', () => {
  it('filters by vendor, the customer and the granted contracts, appending numbered parameters', () => {
    const params: unknown[] = ['first'];
    expect(scopeSql(auditor, { vendorId: 'o.vendor_id', contractId: 'o.contract_id' }, params)).toBe('o.vendor_id = $2 AND o.contract_id = ANY($3::uuid[])');
    expect(params).toEqual(['first', V, ['c-1', 'c-2']]);
    expect(scopeSql(customer, { vendorId: 'c.vendor_id', customerId: 'c.customer_id' }, [])).toBe('c.vendor_id = $1 AND c.customer_id = $2');
  });

  it('writes an auditor’s grant over a row that reaches many contracts with the predicate given', () => {
    const params: unknown[] = [];
    const sql = scopeSql(auditor, { vendorId: 'c.vendor_id', customerId: 'c.id', anyContractIn: (ids) => `EXISTS (… ANY(${ids}))` }, params);
    expect(sql).toBe('c.vendor_id = $1 AND EXISTS (… ANY($2::uuid[]))');
  });

  it('never drops a scope silently: a grant without a contract column throws', () => {
    expect(() => scopeSql(auditor, { vendorId: 'x.vendor_id' }, [])).toThrow(/contract grant/);
    expect(() => scopeSql(customer, { vendorId: 'x.vendor_id' }, [])).toThrow(/customer column/);
  });

  it('gives the system the whole vendor', () => {
    expect(scopeSql(vendorScope(V), { vendorId: 'x.vendor_id' }, [])).toBe('x.vendor_id = $1');
    expect(scopeSeesContract(auditor, { vendorId: V, id: 'c-3', customerId: 'cu-9' })).toBe(false);
    expect(scopeSeesContract(customer, { vendorId: V, id: 'c-3', customerId: 'cu-1' })).toBe(true);
  });
});

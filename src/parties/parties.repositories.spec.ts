import { FIXED, sqlPerScope, sqlRecorder } from '../../test/support/sql-recorder';
import { encodeCursor } from '../common/http/pagination';
import { CustomersRepository } from './customers.repository';
import { VendorsRepository } from './vendors.repository';
import { VerifiersRepository } from './verifiers.repository';
import { contractedCustomers } from '../contracts/contracted-customers';

describe('the SQL of CustomersRepository', () => {
  const rec = sqlRecorder();
  const repo = new CustomersRepository(rec.db, contractedCustomers);

  it('inserts a customer of the scope’s vendor', async () => {
    expect(await sqlPerScope(rec, (s) => repo.insert(s, { name: 'Acme', reference: 'CRM-1' }), ['system'])).toMatchSnapshot();
  });

  it('reads one customer: a customer key only itself, an auditor only customers of its granted contracts', async () => {
    expect(await sqlPerScope(rec, (s) => repo.findOne(s, FIXED.id))).toMatchSnapshot();
  });

  it('reads names of listed customers within the scope', async () => {
    expect(await sqlPerScope(rec, (s) => repo.namesOf(s, [FIXED.id]))).toMatchSnapshot();
  });

  it('pages customers newest first after a cursor', async () => {
    expect(await sqlPerScope(rec, (s) => repo.page(s, { limit: 50, cursor: encodeCursor(FIXED.id) }))).toMatchSnapshot();
  });

  it('updates a customer only within the scope', async () => {
    expect(await sqlPerScope(rec, (s) => repo.update(s, FIXED.id, { name: 'Acme Ltd' }), ['vendor admin'])).toMatchSnapshot();
  });

  it('sets only the billing details a change names', async () => {
    expect(
      await sqlPerScope(rec, (s) => repo.update(s, FIXED.id, { legalName: '深圳精密零件有限公司', taxId: '9144030071526726XG', locale: 'zh-CN' }), ['vendor admin']),
    ).toMatchSnapshot();
  });
});

describe('the SQL of VendorsRepository', () => {
  const rec = sqlRecorder();
  const repo = new VendorsRepository(rec.db);

  it('reads the scope’s own vendor, never its private key', async () => {
    expect(await sqlPerScope(rec, (s) => repo.findOne(s), ['vendor admin'])).toMatchSnapshot();
  });

  it('sets the named fields of the scope’s own legal entity', async () => {
    expect(await sqlPerScope(rec, (s) => repo.updateLegalEntity(s, { legalName: '深圳智检科技有限公司', bankAccount: null }), ['vendor admin'])).toMatchSnapshot();
  });

  it('lists every vendor for the operator', async () => {
    await repo.listForOperator();
    expect(rec.take()).toMatchSnapshot();
  });
});

describe('the SQL of VerifiersRepository', () => {
  const rec = sqlRecorder();
  const repo = new VerifiersRepository(rec.db);

  it('registers a verifier of the vendor once per key', async () => {
    expect(await sqlPerScope(rec, (s) => repo.insert(s, { key: 'sz-traffic-bureau', name: 'Shenzhen Traffic Bureau' }), ['system'])).toMatchSnapshot();
  });

  it('reads verifiers named by key or id only within the vendor', async () => {
    expect(await sqlPerScope(rec, (s) => repo.findByKeysOrIds(s, ['sz-traffic-bureau', FIXED.id]), ['system'])).toMatchSnapshot();
    expect(await sqlPerScope(rec, (s) => repo.findOne(s, FIXED.id), ['system'])).toMatchSnapshot();
  });
});

// SQL snapshots of the contracts domain's read classes for other domains (outcomes, reports, key grants).
import { FIXED, sqlPerScope, sqlRecorder } from '../../test/support/sql-recorder';
import type { CustomersRepository } from '../parties/customers.repository';
import type { VerifiersRepository } from '../parties/verifiers.repository';
import { ContractKeyGrants } from './key-grant.reads';
import { OutcomeContractReads } from './outcome.reads';
import { ContractReportReads } from './report.reads';
import { ValueBasisRepository } from './value-basis.repository';

describe('the SQL of the contracts reads', () => {
  const rec = sqlRecorder();

  it('reads contracts with their terms versions for recording', async () => {
    const reads = new OutcomeContractReads(rec.db);
    expect(await sqlPerScope(rec, (s) => reads.contractsWithTerms(s, FIXED.contractIds))).toMatchSnapshot();
  });

  it('reads contracts and terms versions for the reports', async () => {
    const reads = new ContractReportReads(rec.db);
    expect(await sqlPerScope(rec, (s) => reads.contracts(s, { customerId: FIXED.customerId, contractIds: FIXED.contractIds }))).toMatchSnapshot();
    expect(await sqlPerScope(rec, (s) => reads.termsVersions(s, FIXED.contractIds))).toMatchSnapshot();
    expect(await sqlPerScope(rec, (s) => reads.valueBases(s, FIXED.contractIds))).toMatchSnapshot();
  });

  it('lists and appends value basis versions, never updating one', async () => {
    const repo = new ValueBasisRepository(rec.db);
    expect(await sqlPerScope(rec, (s) => repo.versions(s, FIXED.contractIds))).toMatchSnapshot();
    expect(
      await sqlPerScope(
        rec,
        (s) => repo.insert(s, { contractId: FIXED.contractIds[0], effectiveFrom: '2026-03-01', description: null, items: [{ outcomeType: 'savings', method: 'measured', estimated: false, description: 'x' }], keyId: null }),
        ['vendor admin'],
      ),
    ).toMatchSnapshot();
  });

  it('checks an auditor key’s contracts within the vendor', async () => {
    const grants = new ContractKeyGrants(rec.db, {} as CustomersRepository, {} as VerifiersRepository);
    expect(await sqlPerScope(rec, (s) => grants.contractsExist(s, FIXED.contractIds), ['system'])).toMatchSnapshot();
  });
});

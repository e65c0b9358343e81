import { CUSTOMER, ID, SqlRecorder, underEveryScope, VENDOR } from '../../test/support/sql-statement-recorder';
import { vendorScope } from '../auth/scope';
import { ApiKeyNamesReads } from '../auth/export-log.reads';
import { PartyNamesReads } from './documents.reads';
import { DemoPartyReads } from './demo.reads';
import { contractedCustomers } from '../contracts/contracted-customers';

/** The statements contracts, invoice documents, the export log and the demo send to parties and keys. */
describe('party and key read models: SQL for every kind of caller', () => {
  const rec = new SqlRecorder();
  beforeEach(() => (rec.reply = [{ signing_public_key: 'PEM' }]));
  const names = new PartyNamesReads(rec.asDataSource(), contractedCustomers);
  const demo = new DemoPartyReads(rec.asDataSource());
  const keys = new ApiKeyNamesReads(rec.asDataSource());
  it.each([
    ['PartyNamesReads.customerExists', (s: any) => names.customerExists(s, CUSTOMER)],
    ['PartyNamesReads.customerNames', (s: any) => names.customerNames(s, [CUSTOMER])],
    ['PartyNamesReads.vendorName', (s: any) => names.vendorName(s)],
    ['ApiKeyNamesReads.names', (s: any) => keys.names(s, [ID])],
  ])('%s', async (_name, call) => {
    expect(await underEveryScope(rec, call)).toMatchSnapshot();
  });
  it('DemoPartyReads, the demo seeder as the system', async () => {
    expect(await rec.record(() => demo.vendorIdNamed('Demo AI Vendor'))).toMatchSnapshot();
    expect(await rec.record(() => demo.customerIdByReference(vendorScope(VENDOR), 'demo-inspection'))).toMatchSnapshot();
  });
});

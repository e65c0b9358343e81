import { FIXED, sqlPerScope, sqlRecorder } from '../../test/support/sql-recorder';
import { ApiKeysRepository } from './api-keys.repository';

describe('the SQL of ApiKeysRepository', () => {
  const rec = sqlRecorder();
  const repo = new ApiKeysRepository(rec.db);

  it('inserts a key with its hash, never reading the hash back', async () => {
    const key = { name: 'auditor', role: 'auditor' as const, customerId: null, contractIds: FIXED.contractIds, prefix: 'ol_aud_x', keySha256: 'f'.repeat(64) };
    expect(await sqlPerScope(rec, (s) => repo.insert(s, key), ['system'])).toMatchSnapshot();
  });

  it('lists and revokes the vendor’s keys', async () => {
    expect(await sqlPerScope(rec, (s) => repo.list(s), ['system'])).toMatchSnapshot();
    expect(await sqlPerScope(rec, (s) => repo.revoke(s, FIXED.id), ['system'])).toMatchSnapshot();
  });
});

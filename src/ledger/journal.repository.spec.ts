import { ANY_ROW, CONTRACT, ID, SqlRecorder, underEveryScope } from '../../test/support/sql-statement-recorder';
import type { Scope } from '../auth/scope';
import { JournalRepository } from './journal.repository';

describe('JournalRepository SQL (every statement, for every kind of caller)', () => {
  const rec = new SqlRecorder();
  const repo = new JournalRepository(rec.asDataSource());
  beforeEach(() => (rec.reply = [ANY_ROW]));
  const content = {
    kind: 'payment' as const,
    reference: { type: 'payment' as const, id: ID },
    contractId: CONTRACT,
    customerId: null,
    description: 'Payment',
    effectiveAt: '2026-04-10',
    lines: [
      { account: 'cash', currency: 'CNY', debit: '1.00', credit: null, memo: null },
      { account: 'receivable:x', currency: 'CNY', debit: null, credit: '1.00', memo: null },
    ],
  };
  const calls: Array<[string, (s: Scope) => Promise<unknown>]> = [
    ['lockHead', (s) => repo.lockHead(s, 'genesis', rec)],
    ['head', (s) => repo.head(s)],
    ['insertEntry', (s) => repo.insertEntry(s, content, { sequence: '2', prevHash: 'a', hash: 'b' }, rec)],
    ['insertEntries', (s) => repo.insertEntries(s, [{ content, link: { sequence: '2', prevHash: 'a', hash: 'b' } }, { content, link: { sequence: '3', prevHash: 'b', hash: 'c' } }], rec)],
    ['entriesOfReferences', (s) => repo.entriesOfReferences(s, [{ type: 'payment', id: ID, kind: 'payment' }], rec)],
    ['advanceHead', (s) => repo.advanceHead(s, { sequence: '2', hash: 'b' }, rec)],
    ['entryOfReference', (s) => repo.entryOfReference(s, { type: 'payment', id: ID, kind: 'payment' })],
    ['find', (s) => repo.find(s, ID)],
    ['list', (s) => repo.list(s, { beforeSequence: '10', contractId: CONTRACT, account: 'cash', limit: 50 })],
    ['balances', (s) => repo.balances(s, { account: 'cash', accountPrefix: 'receivable:', currency: 'CNY' })],
    ['chainBatch', (s) => repo.chainBatch(s, { after: '0', through: '100', limit: 1000, trimAmounts: true })],
  ];
  it.each(calls)('%s', async (_name, call) => {
    expect(await underEveryScope(rec, call)).toMatchSnapshot();
  });
});

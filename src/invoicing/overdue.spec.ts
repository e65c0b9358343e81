import { isOverdue } from './invoices.service';

describe('overdue', () => {
  const inv = { status: 'finalized' as const, total: '106.00', dueDate: '2026-04-30', timeZone: 'Asia/Shanghai' };
  const unpaid = { paid: '0', credited: '0' };

  it('is overdue once the due date has passed in the invoice’s timezone', () => {
    // 2026-04-30T16:30Z is already 1 May in Shanghai, still 30 April in UTC.
    expect(isOverdue(inv, unpaid, new Date('2026-04-30T16:30:00Z'))).toBe(true);
    expect(isOverdue({ ...inv, timeZone: 'UTC' }, unpaid, new Date('2026-04-30T16:30:00Z'))).toBe(false);
  });

  it('is not overdue on its due date', () => {
    expect(isOverdue(inv, unpaid, new Date('2026-04-30T15:00:00Z'))).toBe(false);
  });

  it('is not overdue when paid or credited in full, nor when it is a draft, paid or void', () => {
    const late = new Date('2026-06-01T00:00:00Z');
    expect(isOverdue(inv, { paid: '100.00', credited: '6.00' }, late)).toBe(false);
    expect(isOverdue(inv, { paid: '100.00', credited: '0' }, late)).toBe(true);
    for (const status of ['draft', 'paid', 'void'] as const) expect(isOverdue({ ...inv, status }, unpaid, late)).toBe(false);
  });
});

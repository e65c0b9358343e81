import { csvCell, csvCellValue } from './csv-cell';

describe('csvCell', () => {
  it.each(['=HYPERLINK("http://x","y")', '+1+1', '-2+3', '@SUM(A1)', '\t=1', '\r=1', '-cmd|calc'])(
    'prefixes %j with an apostrophe so a spreadsheet shows it as text',
    (v) => {
      expect(csvCell(v)).toBe(`'${v}`);
    },
  );

  it.each(['-12.50', '+3', '0', '1234567.89', '-0.000001'])('leaves the number %j alone so amounts keep their sign', (v) => {
    expect(csvCell(v)).toBe(v);
  });

  it('leaves ordinary text, empty cells and missing values alone', () => {
    expect(csvCell('Acme 工厂')).toBe('Acme 工厂');
    expect(csvCell('a=b')).toBe('a=b');
    expect(csvCell('')).toBe('');
    expect(csvCell(null)).toBeNull();
    expect(csvCell(undefined)).toBeUndefined();
  });

  it('doubles a leading apostrophe so the escape can be undone without ambiguity', () => {
    expect(csvCell("'=1")).toBe("''=1");
    expect(csvCell("'quoted")).toBe("''quoted");
  });

  it.each(['=1+1', "'=1", "''", '-5', '-x', 'plain', '@a', "'"])('round-trips %j through csvCellValue', (v) => {
    expect(csvCellValue(csvCell(v))).toBe(v);
  });
});

import { describe, expect, it } from 'vitest';
import { aliasesOf, reportAnswer, reportCsv, type ReportResult } from './reports';

const result: ReportResult = {
  reportId: 'loss-reasons',
  period: { from: '2026-09-01', to: '2026-11-30' },
  asOf: '2026-11-30T10:00:00.000Z',
  columns: [
    { name: 'lostReason', type: 'string', role: 'dimension' },
    { name: 'count', type: 'int', role: 'measure' },
    { name: 'share', type: 'float', role: 'ratio' },
  ],
  rows: [
    ['=SUM(A1:A9)', 2, 0.25],
    ['+91 price', -1, null],
    ['@me, "quoted"', 0, 1],
  ],
  totals: [null, 1, 0.5],
  chart: null,
};

describe('report CSV', () => {
  it('writes a BOM, the column names, then the rows with CRLF; text a spreadsheet would run is defused, numbers stay numbers', () => {
    expect(reportCsv(result)).toBe('\uFEFFlostReason,count,share\r\n\'=SUM(A1:A9),2,0.25\r\n\'+91 price,-1,\r\n"\'@me, ""quoted""",0,1\r\n');
  });

  it('answers CSV only when the caller accepts text/csv', () => {
    expect(reportAnswer(result, 'application/json').text).toBeUndefined();
    expect(reportAnswer(result, undefined).text).toBeUndefined();
    const csv = reportAnswer(result, 'text/html, text/csv;q=0.9');
    expect(csv.text?.contentType).toBe('text/csv; charset=utf-8');
    expect(csv.headers).toEqual({ 'content-disposition': 'attachment; filename="loss-reasons.csv"' });
  });

  it('names each column by its positional alias', () => {
    expect(aliasesOf([...result.columns, { name: 'sum:x', type: 'int', role: 'measure' }, { name: 'm', type: 'date', role: 'dimension' }])).toEqual(['d0', 'm0', 'r0', 'm1', 'd1']);
  });
});

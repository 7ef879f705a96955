import { describe, expect, it } from 'vitest';
import { parseReportSpec, type ReportSpecInput } from './spec';

const period = { from: '2026-11-01', to: '2026-11-30' };
const errorsOf = (input: unknown) => {
  try {
    parseReportSpec(input);
  } catch (error) {
    return (error as { details: { errors: { field: string; code: string }[] } }).details.errors.map(({ field, code }) => ({ field, code }));
  }
  return [];
};

describe('the custom report spec', () => {
  it('accepts a spec of the allow-list, with defaults', () => {
    const spec = parseReportSpec({ source: 'opportunities', dimensions: ['stage', 'month'], measures: ['count', 'sum:dealValue'], period } satisfies ReportSpecInput);
    expect(spec).toMatchObject({ filters: [], sort: [], ratios: [], limit: 1000 });
  });

  it('names each offending field by its exact path', () => {
    expect(
      errorsOf({
        source: 'opportunities',
        dimensions: ['stage', 'month', 'bogus', 'dealValue'],
        measures: ['count', 'sum:stage', 'total:dealValue', 'avg:nothing'],
        ratios: [{ name: 'r', numerator: 'count', denominator: 'sum:expectedRevenue' }],
        filters: [
          { field: 'stage', op: 'gt', value: 'Lead' },
          { field: 'stage', op: 'eq', value: 'Leed' },
          { field: 'dealValue', op: 'gte', value: '100' },
          { field: 'dealValue', op: 'in', value: 5 },
          { field: 'nope', op: 'eq', value: 1 },
          { field: 'createdAt', op: 'gte', value: 'yesterday' },
          { field: 'hasNextStep', op: 'eq', value: 'no' },
        ],
        period: { from: '2026-11-01', to: '2027-12-01', on: 'wonAt' },
        sort: [{ by: 'sum:expectedRevenue' }],
      }),
    ).toEqual([
      { field: 'body.dimensions.2', code: 'unknown_dimension' },
      { field: 'body.dimensions.3', code: 'dimension_not_allowed' },
      { field: 'body.measures.1', code: 'aggregate_not_allowed' },
      { field: 'body.measures.2', code: 'unknown_measure' },
      { field: 'body.measures.3', code: 'unknown_measure' },
      { field: 'body.ratios.0.denominator', code: 'unknown_measure' },
      { field: 'body.filters.0.op', code: 'op_not_allowed' },
      { field: 'body.filters.1.value', code: 'invalid_value' },
      { field: 'body.filters.2.value', code: 'invalid_type' },
      { field: 'body.filters.3.value', code: 'invalid_type' },
      { field: 'body.filters.4.field', code: 'unknown_field' },
      { field: 'body.filters.5.value', code: 'invalid_type' },
      { field: 'body.filters.6.value', code: 'invalid_type' },
      { field: 'body.period.on', code: 'unknown_time_column' },
      { field: 'body.period.to', code: 'period_too_long' },
      { field: 'body.sort.0.by', code: 'unknown_sort' },
    ]);
  });

  it('refuses what is not part of the spec, and raw SQL in any shape', () => {
    expect(errorsOf({ source: 'system.tables', measures: ['count'], period })).toEqual([{ field: 'body.source', code: 'invalid_value' }]);
    expect(errorsOf({ source: 'activities', measures: ['count'], period, sql: 'SELECT 1' })).toEqual([{ field: 'body.sql', code: 'unknown_field' }]);
    expect(errorsOf({ source: 'activities', dimensions: ['staff_id'], measures: ['count()', 'sum:at) FROM system.tables --'], period })).toEqual([
      { field: 'body.dimensions.0', code: 'unknown_dimension' },
      { field: 'body.measures.0', code: 'unknown_measure' },
      { field: 'body.measures.1', code: 'unknown_measure' },
    ]);
    expect(errorsOf({ source: 'activities', measures: ['count'], period, limit: 10_001 })).toEqual([{ field: 'body.limit', code: 'too_big' }]);
  });

  it('needs a period except on a snapshot source; a period runs forwards and spans at most 366 days', () => {
    expect(errorsOf({ source: 'activities', measures: ['count'] })).toEqual([{ field: 'body.period', code: 'period_required' }]);
    expect(errorsOf({ source: 'opportunities', measures: ['count'] })).toEqual([]);
    expect(errorsOf({ source: 'credits', measures: ['count'], period: { from: '2026-11-02', to: '2026-11-01' } })).toEqual([{ field: 'body.period.to', code: 'period_reversed' }]);
    expect(errorsOf({ source: 'credits', measures: ['count'], period: { from: '2028-01-01', to: '2028-12-31' } })).toEqual([]);
    expect(errorsOf({ source: 'credits', measures: ['count'], period: { from: '2026-11-31', to: '2026-12-01' } })).toEqual([{ field: 'body.period.from', code: 'invalid_format' }]);
  });

  it('refuses a column named twice', () => {
    expect(errorsOf({ source: 'credits', dimensions: ['month', 'month'], measures: ['count', 'count'], ratios: [{ name: 'count', numerator: 'count', denominator: 'count' }], period })).toEqual([
      { field: 'body.dimensions.1', code: 'duplicate' },
      { field: 'body.measures.1', code: 'duplicate' },
      { field: 'body.ratios.0.name', code: 'duplicate' },
    ]);
  });

  it('divides only numbers', () => {
    expect(errorsOf({ source: 'credits', measures: ['count', 'max:wonAt'], ratios: [{ name: 'x', numerator: 'count', denominator: 'max:wonAt' }], period })).toEqual([
      { field: 'body.ratios.0.denominator', code: 'not_a_number' },
    ]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { creditRecords, defaultSplit, validateSplit, type CreditShare } from './credit-split';

const aShare = (overrides: Partial<CreditShare> = {}): CreditShare => ({ staffId: 'tse-1', percent: 100, ...overrides });

const splitError = (code: string, message: string) =>
  expect.objectContaining({ kind: 'invalid', code: 'validation_failed', details: { errors: [{ field: 'body.split', code, message }] } });

describe('defaultSplit (spec §9 lead sharing)', () => {
  it('gives the lead owner 50 % and the closing owner 50 % by default', () => {
    expect(defaultSplit('tse-1', 'so-1')).toEqual([
      { staffId: 'tse-1', percent: 50 },
      { staffId: 'so-1', percent: 50 },
    ]);
  });

  it('gives one person 100 % when they both created and closed the deal', () => {
    expect(defaultSplit('tse-1', 'tse-1')).toEqual([{ staffId: 'tse-1', percent: 100 }]);
    expect(defaultSplit('tse-1', 'tse-1', 30)).toEqual([{ staffId: 'tse-1', percent: 100 }]);
  });

  it('uses the tenant-configured lead owner percent and gives the closer the rest', () => {
    expect(defaultSplit('tse-1', 'so-1', 30)).toEqual([
      { staffId: 'tse-1', percent: 30 },
      { staffId: 'so-1', percent: 70 },
    ]);
  });

  it('leaves out a person whose configured share is 0 %', () => {
    expect(defaultSplit('tse-1', 'so-1', 100)).toEqual([{ staffId: 'tse-1', percent: 100 }]);
    expect(defaultSplit('tse-1', 'so-1', 0)).toEqual([{ staffId: 'so-1', percent: 100 }]);
  });

  it('always totals exactly 100 % with each person once', () => {
    fc.assert(
      fc.property(fc.constantFrom('tse-1', 'tse-2', 'so-1'), fc.constantFrom('tse-1', 'tse-2', 'so-1'), fc.integer({ min: 0, max: 100 }), (lead, closer, percent) => {
        const split = defaultSplit(lead, closer, percent);
        expect(split.reduce((sum, s) => sum + s.percent, 0)).toBe(100);
        expect(new Set(split.map((s) => s.staffId)).size).toBe(split.length);
        expect(validateSplit(split)).toEqual(split);
      }),
    );
  });
});

describe('validateSplit (a manager edits the split)', () => {
  it('accepts shares naming each person once and totalling 100 %', () => {
    const shares = [aShare({ staffId: 'tse-1', percent: 40 }), aShare({ staffId: 'so-1', percent: 35 }), aShare({ staffId: 'tse-2', percent: 25 })];
    expect(validateSplit(shares)).toEqual(shares);
  });

  it('drops people given 0 %', () => {
    expect(validateSplit([aShare({ staffId: 'tse-1', percent: 100 }), aShare({ staffId: 'so-1', percent: 0 })])).toEqual([{ staffId: 'tse-1', percent: 100 }]);
  });

  it.each([
    [[aShare({ staffId: 'tse-1', percent: 50 }), aShare({ staffId: 'so-1', percent: 40 })], 90],
    [[aShare({ staffId: 'tse-1', percent: 60 }), aShare({ staffId: 'so-1', percent: 50 })], 110],
    [[aShare({ staffId: 'tse-1', percent: 99 })], 99],
    [[], 0],
  ])('refuses a split that does not total 100 %% (%j totals %i %%)', (shares, total) => {
    expect(() => validateSplit(shares)).toThrow(splitError('split_total', `must total exactly 100 % (got ${total} %)`));
  });

  it('refuses a split naming the same person twice', () => {
    const shares = [aShare({ staffId: 'tse-1', percent: 50 }), aShare({ staffId: 'tse-1', percent: 50 })];
    expect(() => validateSplit(shares)).toThrow(splitError('split_duplicate', 'must name each staff member once'));
  });

  it('accepts exactly the splits that total 100 % with distinct people', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ staffId: fc.constantFrom('a', 'b', 'c', 'd'), percent: fc.integer({ min: 0, max: 100 }) }), { maxLength: 5 }), (shares) => {
        const total = shares.reduce((sum, s) => sum + s.percent, 0);
        const distinct = new Set(shares.map((s) => s.staffId)).size === shares.length;
        if (total === 100 && distinct) expect(validateSplit(shares)).toEqual(shares.filter((s) => s.percent > 0));
        else expect(() => validateSplit(shares)).toThrow(expect.objectContaining({ kind: 'invalid', code: 'validation_failed' }));
      }),
    );
  });
});

describe('creditRecords', () => {
  it('splits a ₹15,000 deal 50/50 into ₹7,500 each', () => {
    expect(creditRecords(1_500_000, defaultSplit('tse-1', 'so-1'))).toEqual([
      { staffId: 'tse-1', percent: 50, amount: 750_000 },
      { staffId: 'so-1', percent: 50, amount: 750_000 },
    ]);
  });

  it('credits the whole deal to one person at 100 %', () => {
    expect(creditRecords(1_500_001, defaultSplit('tse-1', 'tse-1'))).toEqual([{ staffId: 'tse-1', percent: 100, amount: 1_500_001 }]);
  });

  it.each([
    // value, percents, amounts: floors first, then the left-over paise to the largest shares (ties: list order)
    [3, [50, 50], [2, 1]],
    [1, [50, 50], [1, 0]],
    [101, [50, 50], [51, 50]],
    [1001, [70, 30], [701, 300]],
    [1001, [30, 70], [300, 701]],
    [1_000_001, [30, 70], [300_000, 700_001]],
    [100, [33, 33, 34], [33, 33, 34]],
    [1, [33, 33, 34], [0, 0, 1]],
    [2, [33, 33, 34], [1, 0, 1]],
    [7, [10, 20, 70], [0, 2, 5]],
    [0, [50, 50], [0, 0]],
  ])('distributes odd paise exactly: %i paise at %j → %j', (value, percents, amounts) => {
    const shares = percents.map((percent, i) => ({ staffId: `s-${i}`, percent }));
    expect(creditRecords(value, shares)).toEqual(shares.map((s, i) => ({ ...s, amount: amounts[i] })));
  });

  it('always adds up to the deal value exactly, each record within one paisa of its share', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e13 }), sharesTotalling100(), (dealValue, shares) => {
        const records = creditRecords(dealValue, shares);
        expect(records.reduce((sum, r) => sum + r.amount, 0)).toBe(dealValue);
        expect(records.map(({ staffId, percent }) => ({ staffId, percent }))).toEqual(shares);
        records.forEach((r) => {
          const floor = Math.floor((dealValue * r.percent) / 100);
          expect(Number.isInteger(r.amount)).toBe(true);
          expect(r.amount === floor || r.amount === floor + 1).toBe(true);
        });
      }),
    );
  });
});

/** 1–6 people with distinct ids and integer percents summing to exactly 100. */
function sharesTotalling100() {
  return fc
    .uniqueArray(fc.integer({ min: 1, max: 99 }), { maxLength: 5 })
    .chain((cuts) => {
      const bounds = [0, ...cuts.sort((a, b) => a - b), 100];
      const percents = bounds.slice(1).map((b, i) => b - bounds[i]!);
      return fc.uniqueArray(fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/), { minLength: percents.length, maxLength: percents.length }).map((ids) =>
        percents.map((percent, i) => ({ staffId: ids[i]!, percent })),
      );
    });
}

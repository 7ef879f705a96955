import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { budgetBandOf, budgetBandSql, COMPETITOR_MAX, competitorNamed, NO_COMPETITOR } from './themes';

describe('the competitor a feedback names', () => {
  it.each([
    ['  Zoho   CRM\n and\tLeadSquared ', 'zoho crm and leadsquared'],
    ['Local vendor (cheaper)', 'local vendor (cheaper)'],
    ['None', ''],
    ['none.', ''],
    [' N/A ', ''],
    ['-', ''],
    ['NIL', ''],
    ['No competitors!', ''],
    ['No, but Zoho pitched last year', 'no, but zoho pitched last year'],
    ['', ''],
  ])('%j → %j', (info, expected) => {
    expect(competitorNamed(info)).toBe(expected);
  });

  it('keeps at most 100 characters, whole code points', () => {
    expect(competitorNamed(`${'a'.repeat(99)}😀tail`)).toBe(`${'a'.repeat(99)}😀`);
    expect([...competitorNamed('x '.repeat(80))]).toHaveLength(99); // the trailing space dropped
  });

  it('every word of the list is none, in any case and spacing', () => {
    for (const word of NO_COMPETITOR) expect(competitorNamed(`  ${word.toUpperCase()}  `), word).toBe('');
  });

  it('is normalised already: normalising again changes nothing, and it is never longer than the limit', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (info) => {
        const once = competitorNamed(info);
        expect(competitorNamed(once)).toBe(once);
        expect([...once].length).toBeLessThanOrEqual(COMPETITOR_MAX);
        expect(once).toBe(once.toLowerCase());
        expect(once).not.toMatch(/\s\s|^\s|\s$/u);
      }),
    );
  });
});

describe('budget bands (paise)', () => {
  it.each([
    [0, '< ₹1 L'],
    [9_999_999, '< ₹1 L'],
    [10_000_000, '₹1–5 L'],
    [49_999_999, '₹1–5 L'],
    [50_000_000, '₹5–25 L'],
    [249_999_999, '₹5–25 L'],
    [250_000_000, '₹25 L–1 Cr'],
    [999_999_999, '₹25 L–1 Cr'],
    [1_000_000_000, '≥ ₹1 Cr'],
    [12_000_000_000, '≥ ₹1 Cr'],
  ])('%d paise → %s', (budget, band) => {
    expect(budgetBandOf(budget)).toBe(band);
  });

  it('is written in SQL with the same bounds', () => {
    expect(budgetBandSql('budget')).toBe(
      "multiIf(isNull(budget), '', budget >= 1000000000, '≥ ₹1 Cr', budget >= 250000000, '₹25 L–1 Cr', budget >= 50000000, '₹5–25 L', budget >= 10000000, '₹1–5 L', '< ₹1 L')",
    );
  });
});

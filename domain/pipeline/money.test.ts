import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expectedRevenue, formatInr } from './money';
import { seedStages } from './stages';

const rupees = (r: number) => r * 100;

describe('expectedRevenue = deal value × closing probability', () => {
  it.each([
    // Website ₹15,000 at Lead (2 %) → ₹300
    [rupees(15_000), 2, rupees(300)],
    [rupees(15_000), 12.5, rupees(1_875)],
    [rupees(15_000), 25, rupees(3_750)],
    [rupees(55_000), 40, rupees(22_000)],
    [rupees(1_00_000), 5, rupees(5_000)],
    [rupees(30_000), 100, rupees(30_000)],
    [rupees(30_000), 0, 0],
    [0, 40, 0],
  ])('%i paise at %d %% → %i paise', (dealValue, percent, expected) => {
    expect(expectedRevenue(dealValue, percent)).toBe(expected);
  });

  it.each([
    [1, 50, 1],
    [3, 50, 2],
    [5, 50, 3],
    [1, 49, 0],
    [999, 33.33, 333],
    [1_599_999, 12.5, 200_000],
  ])('rounds to whole paise, halves up: %i paise at %d %% → %i', (dealValue, percent, expected) => {
    expect(expectedRevenue(dealValue, percent)).toBe(expected);
  });

  it('is whole paise between 0 and the deal value, within half a paisa of the exact product', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e13 }), fc.integer({ min: 0, max: 10_000 }), (dealValue, hundredths) => {
        const percent = hundredths / 100;
        const revenue = expectedRevenue(dealValue, percent);
        expect(Number.isInteger(revenue)).toBe(true);
        expect(revenue).toBeGreaterThanOrEqual(0);
        expect(revenue).toBeLessThanOrEqual(dealValue);
        expect(Math.abs(revenue - (dealValue * percent) / 100)).toBeLessThanOrEqual(0.5 + 1e-6);
      }),
    );
  });
});

describe('formatInr', () => {
  it.each([
    [0, '₹0'],
    [100, '₹1'],
    [rupees(1_000), '₹1,000'],
    [rupees(15_000), '₹15,000'],
    [rupees(1_00_000), '₹1,00,000'],
    [40_000_000, '₹4,00,000'],
    [rupees(12_50_000), '₹12,50,000'],
    [rupees(1_00_00_000), '₹1,00,00,000'],
    // ₹2 Cr
    [2_000_000_000, '₹2,00,00,000'],
    [rupees(10_00_00_00_000), '₹10,00,00,00,000'],
  ])('groups digits the Indian way: %i paise → %s', (paise, text) => {
    expect(formatInr(paise)).toBe(text);
  });

  it.each([
    [150, '₹1.50'],
    [5, '₹0.05'],
    [99, '₹0.99'],
    [123_456_789, '₹12,34,567.89'],
    [123_456_790, '₹12,34,567.90'],
  ])('shows paise as two decimals: %i paise → %s', (paise, text) => {
    expect(formatInr(paise)).toBe(text);
  });

  it.each([
    [-40_000_000, '-₹4,00,000'],
    [-150, '-₹1.50'],
  ])('puts a minus sign before the rupee sign: %i paise → %s', (paise, text) => {
    expect(formatInr(paise)).toBe(text);
  });

  it('formats the seed §7 TSE breakdown (₹4L target × stage multipliers)', () => {
    const target = rupees(4_00_000);
    expect(seedStages.map((s) => [s.stage, formatInr(target * s.multiplier)])).toEqual([
      ['Lead', '₹2,00,00,000'],
      ['Qualified', '₹80,00,000'],
      ['Potential', '₹32,00,000'],
      ['Demo', '₹16,00,000'],
      ['Visit', '₹10,00,000'],
      ['Closed', '₹4,00,000'],
    ]);
  });
});

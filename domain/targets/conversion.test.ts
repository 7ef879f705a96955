import { describe, expect, it } from 'vitest';
import { conversions, lowConversions, sumConversions } from './conversion';

describe('conversion ratios (spec §12, with the seed assumptions of §6)', () => {
  it('divides each step by the one before, with the counts and the assumption beside it', () => {
    expect(conversions({ calls: 50, qualified: 20, potential: 6, demo: 3, won: 1 })).toEqual([
      { from: 'Call', to: 'Qualified', ratio: 0.4, assumption: 0.4, numerator: 20, denominator: 50 },
      { from: 'Qualified', to: 'Potential', ratio: 0.3, assumption: 0.3, numerator: 6, denominator: 20 },
      { from: 'Potential', to: 'Demo', ratio: 0.5, assumption: 0.5, numerator: 3, denominator: 6 },
      { from: 'Demo', to: 'Closed', ratio: 0.3333, assumption: 0.24, numerator: 1, denominator: 3 },
    ]);
  });

  it('has no ratio for a step nothing entered', () => {
    expect(conversions({ calls: 0, qualified: 0, potential: 0, demo: 0, won: 0 }).map((c) => c.ratio)).toEqual([null, null, null, null]);
  });

  it('calls a step low only beyond the margin: 29 % against 40 % is low at 10 points, 31 % is not', () => {
    const low = lowConversions(conversions({ calls: 100, qualified: 29, potential: 9, demo: 4, won: 0 }), 10);
    expect(low.map((c) => `${c.from}→${c.to}`)).toEqual(['Call→Qualified', 'Demo→Closed']);
    expect(lowConversions(conversions({ calls: 100, qualified: 31, potential: 9, demo: 4, won: 1 }), 10)).toEqual([]);
  });

  it('sums a team’s counts', () => {
    expect(sumConversions([{ calls: 1, qualified: 2, potential: 3, demo: 4, won: 5 }, { calls: 10, qualified: 20, potential: 30, demo: 40, won: 50 }])).toEqual({ calls: 11, qualified: 22, potential: 33, demo: 44, won: 55 });
  });
});

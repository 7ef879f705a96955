/**
 * Spec §12 performance metrics: Call → Qualified, Qualified → Potential, Potential → Demo,
 * Demo → Closed, each the count of the later step over the count of the earlier in the same
 * period, with the seed's conversion assumption beside it (spec §6, kept as the benchmark for
 * conversion alerts — DESIGN §3). Demo → Closed is benchmarked by the seed's chain Demo → Visit
 * 60 % × Visit → Closed 40 % = 24 %; Call → Qualified by the seed's Lead → Qualified 40 % (a call
 * is how a lead is qualified).
 */
export interface ConversionCounts {
  /** Call events completed. */
  calls: number;
  /** Opportunities that reached each stage in the period (once each). */
  qualified: number;
  potential: number;
  demo: number;
  /** Reached Closed with outcome Won. */
  won: number;
}

export const noConversions: ConversionCounts = { calls: 0, qualified: 0, potential: 0, demo: 0, won: 0 };

export const conversionSteps = [
  { from: 'Call', to: 'Qualified', numerator: 'qualified', denominator: 'calls', assumption: 0.4 },
  { from: 'Qualified', to: 'Potential', numerator: 'potential', denominator: 'qualified', assumption: 0.3 },
  { from: 'Potential', to: 'Demo', numerator: 'demo', denominator: 'potential', assumption: 0.5 },
  { from: 'Demo', to: 'Closed', numerator: 'won', denominator: 'demo', assumption: 0.24 },
] as const satisfies readonly { from: string; to: string; numerator: keyof ConversionCounts; denominator: keyof ConversionCounts; assumption: number }[];

export interface Conversion {
  from: (typeof conversionSteps)[number]['from'];
  to: (typeof conversionSteps)[number]['to'];
  /** numerator ÷ denominator to 4 places; null when nothing entered the step. */
  ratio: number | null;
  assumption: number;
  numerator: number;
  denominator: number;
}

const ratioOf = (n: number, d: number) => (d === 0 ? null : Math.round((n / d) * 10_000) / 10_000);

export function conversions(c: ConversionCounts): Conversion[] {
  return conversionSteps.map((s) => ({ from: s.from, to: s.to, ratio: ratioOf(c[s.numerator], c[s.denominator]), assumption: s.assumption, numerator: c[s.numerator], denominator: c[s.denominator] }));
}

/**
 * The steps below their assumption by more than `marginPoints` percentage points (DESIGN §3 low
 * conversion). A step nothing entered is not low: there is nothing to judge.
 */
export function lowConversions(list: readonly Conversion[], marginPoints: number): Conversion[] {
  return list.filter((c) => c.ratio !== null && (c.assumption - c.ratio) * 100 > marginPoints + 1e-9);
}

export const sumConversions = (all: readonly ConversionCounts[]): ConversionCounts =>
  all.reduce((a, c) => ({ calls: a.calls + c.calls, qualified: a.qualified + c.qualified, potential: a.potential + c.potential, demo: a.demo + c.demo, won: a.won + c.won }), noConversions);

/**
 * Feedback themes (issue #16 item 1: "feedback themes (budget bands, competitors named)"): what
 * the eight feedback fields of a completed demo or visit (domain/events/feedback.ts) say in a form
 * reports can count. Pure.
 */

/** The longest competitor text kept: enough for a few names, short enough to group by. */
export const COMPETITOR_MAX = 100;

/**
 * What a competitor info that names nobody says, once normalised (and stripped of closing
 * punctuation: "None." is none). Anything else names someone, however vaguely ("local vendor").
 */
export const NO_COMPETITOR = [
  'none',
  'no',
  'nil',
  'null',
  'na',
  'n/a',
  'n.a',
  '-',
  '--',
  '—',
  'nothing',
  'nobody',
  'no one',
  'no competitor',
  'no competitors',
  'no competition',
  'not applicable',
] as const;
const none = new Set<string>(NO_COMPETITOR);

/**
 * The competitor a feedback names, as reports group it: trimmed, runs of white space one space,
 * lower-cased, at most COMPETITOR_MAX characters (whole code points); '' when it names nobody.
 */
export function competitorNamed(info: string): string {
  const text = info.trim().replace(/\s+/gu, ' ').toLowerCase();
  const bare = text.replace(/[.!]+$/u, '').trim();
  if (bare === '' || none.has(bare)) return '';
  return [...text].slice(0, COMPETITOR_MAX).join('').trimEnd();
}

/**
 * Budget bands, in the tenant's minor units (paise for INR): each band holds budgets from its
 * `from` (inclusive) up to the next band's. ₹1 L = ₹1,00,000 = 1,00,00,000 paise.
 */
const LAKH = 100_000 * 100;
export const budgetBands = [
  { band: '< ₹1 L', from: 0 },
  { band: '₹1–5 L', from: LAKH },
  { band: '₹5–25 L', from: 5 * LAKH },
  { band: '₹25 L–1 Cr', from: 25 * LAKH },
  { band: '≥ ₹1 Cr', from: 100 * LAKH },
] as const;
export const budgetBandNames = budgetBands.map((b) => b.band);

/** The band of a budget (minor units ≥ 0), as the SQL of budgetBandSql answers it. */
export function budgetBandOf(budget: number): string {
  return [...budgetBands].reverse().find((b) => budget >= b.from)!.band;
}

/** The band of the `column` of budgets in SQL: '' where there is no budget (not a completed demo or visit). */
export function budgetBandSql(column: string): string {
  const steps = [...budgetBands]
    .slice(1)
    .reverse()
    .map((b) => `${column} >= ${b.from}, '${b.band}'`);
  return `multiIf(isNull(${column}), '', ${steps.join(', ')}, '${budgetBands[0].band}')`;
}

import type { CatalogueReport } from './types';

/**
 * Feedback themes (issue #16 item 1: "feedback themes (budget bands, competitors named)"): what
 * the mandatory feedback of completed demos and visits says (DESIGN §3), from the activity facts.
 */
const WITH_FEEDBACK =
  'Demos and visits completed with feedback = Demo Completed and Visit Completed follow-ups completed in the period, each with its eight feedback fields, credited to who completed them (a client’s reply completing one credits its assignee)';
const COMPETITOR =
  'The competitor named is the feedback’s competitor info trimmed, its spaces collapsed, in lower case, its first 100 characters; feedback that names no one (“none”, “no”, “nil”, “n/a”, “-” and the like) names no competitor.';

export const feedbackReports: CatalogueReport[] = [
  {
    id: 'feedback-budget-bands',
    title: 'Budgets customers gave',
    area: 'activity',
    description: `${WITH_FEEDBACK}, counted (count) by the budget band of the budget the customer gave: < ₹1 L, ₹1–5 L, ₹5–25 L, ₹25 L–1 Cr, ≥ ₹1 Cr (each from its lower bound up to, not including, the next; in the tenant’s minor units, paise for INR); of each band, the demos completed and the visits completed, and the median budget.`,
    spec: {
      source: 'activities',
      dimensions: ['budgetBand'],
      measures: ['count', 'sum:demoCompleted', 'sum:visitCompleted', 'median:budget'],
      filters: [{ field: 'withFeedback', op: 'eq', value: true }],
    },
    defaultPeriod: 'this_quarter',
    chart: { type: 'bar', x: 'budgetBand', y: ['count'] },
  },
  {
    id: 'feedback-competitors',
    title: 'Competitors named',
    area: 'activity',
    description: `${WITH_FEEDBACK} that name a competitor, per competitor and product of the deal: how often it was named (count) and on how many distinct opportunities. ${COMPETITOR} Most named first.`,
    spec: {
      source: 'activities',
      dimensions: ['competitor', 'productId'],
      measures: ['count', 'uniq:opportunityId'],
      filters: [{ field: 'competitorNamed', op: 'eq', value: true }],
      sort: [{ by: 'count', dir: 'desc' }],
    },
    defaultPeriod: 'this_quarter',
    chart: { type: 'table', x: 'competitor', y: ['count'] },
  },
  {
    id: 'feedback-by-product',
    title: 'Budgets and competition by product',
    area: 'activity',
    description: `${WITH_FEEDBACK}, per product of the deal: how many (count), the median and the average budget the customer gave (tenant’s minor units), how many of them had a competitor named and their share (competitorShare = competitor named ÷ count): where the budgets are, and where the competition is. ${COMPETITOR}`,
    spec: {
      source: 'activities',
      dimensions: ['productId'],
      measures: ['count', 'median:budget', 'avg:budget', 'sum:competitorNamed'],
      ratios: [{ name: 'competitorShare', numerator: 'sum:competitorNamed', denominator: 'count' }],
      filters: [{ field: 'withFeedback', op: 'eq', value: true }],
    },
    defaultPeriod: 'this_quarter',
    chart: { type: 'bar', x: 'productId', y: ['median:budget'] },
  },
];

import type { CatalogueReport } from './types';

const REACHED = ['sum:reachedLead', 'sum:reachedQualified', 'sum:reachedPotential', 'sum:reachedDemo', 'sum:reachedVisit', 'sum:reachedClosed'];
// The seed's conversion assumptions (DESIGN §3, pipeline value engine): the benchmark for conversion alerts.
const CONVERSIONS = [
  { name: 'leadToQualified', numerator: 'sum:reachedQualified', denominator: 'sum:reachedLead' },
  { name: 'qualifiedToPotential', numerator: 'sum:reachedPotential', denominator: 'sum:reachedQualified' },
  { name: 'potentialToDemo', numerator: 'sum:reachedDemo', denominator: 'sum:reachedPotential' },
  { name: 'demoToVisit', numerator: 'sum:reachedVisit', denominator: 'sum:reachedDemo' },
  { name: 'visitToClosed', numerator: 'sum:reachedClosed', denominator: 'sum:reachedVisit' },
];
const FUNNEL_COUNTS =
  'For each stage, the number of opportunities that reached it for the first time in the period (Lead, Qualified, Potential, Demo, Visit, and Closed Won — counted as won), credited to the assignee when the stage was reached; a move that skips stages counts for every stage it passes.';
const CONVERSION =
  'Conversion from one stage to the next = opportunities reaching the next stage in the period ÷ those reaching the stage in the period (counts in the period, as the dashboards read them); the seed assumes Lead→Qualified 40 %, Qualified→Potential 30 %, Potential→Demo 50 %, Demo→Visit 60 %, Visit→Closed 40 %.';

export const funnelReports: CatalogueReport[] = [
  {
    id: 'funnel-tenant',
    title: 'Sales funnel',
    area: 'funnel',
    description: 'The number of opportunities that reached each stage for the first time in the period, each opportunity counted once per stage, credited to its assignee then. A move that skips stages (Lead → Demo) counts for every stage passed.',
    spec: { source: 'stage_transitions', dimensions: ['stage'], measures: ['uniq:opportunityId'], filters: [{ field: 'newlyReached', op: 'eq', value: true }] },
    defaultPeriod: 'this_month',
    chart: { type: 'funnel', x: 'stage', y: ['uniq:opportunityId'] },
  },
  {
    id: 'funnel-by-staff',
    title: 'Funnel by staff member',
    area: 'funnel',
    description: FUNNEL_COUNTS,
    spec: { source: 'stage_transitions', dimensions: ['assignedTo'], measures: REACHED },
    defaultPeriod: 'this_month',
    chart: { type: 'table', x: 'assignedTo', y: REACHED },
  },
  {
    id: 'funnel-by-team',
    title: 'Funnel by team',
    area: 'funnel',
    description: `${FUNNEL_COUNTS} Teams are the assignees' direct managers.`,
    spec: { source: 'stage_transitions', dimensions: ['team'], measures: REACHED },
    defaultPeriod: 'this_month',
    chart: { type: 'table', x: 'team', y: REACHED },
  },
  {
    id: 'funnel-by-product',
    title: 'Funnel by product',
    area: 'funnel',
    description: `${FUNNEL_COUNTS} One row per product.`,
    spec: { source: 'stage_transitions', dimensions: ['productId'], measures: REACHED },
    defaultPeriod: 'this_month',
    chart: { type: 'table', x: 'productId', y: REACHED },
  },
  {
    id: 'stage-conversion-by-staff',
    title: 'Stage conversion by staff member',
    area: 'funnel',
    description: `${FUNNEL_COUNTS} ${CONVERSION}`,
    spec: { source: 'stage_transitions', dimensions: ['assignedTo'], measures: REACHED, ratios: CONVERSIONS },
    defaultPeriod: 'this_month',
    chart: { type: 'table', x: 'assignedTo', y: CONVERSIONS.map((c) => c.name) },
  },
  {
    id: 'stage-conversion-by-team',
    title: 'Stage conversion by team',
    area: 'funnel',
    description: `${FUNNEL_COUNTS} ${CONVERSION} Teams are the assignees' direct managers.`,
    spec: { source: 'stage_transitions', dimensions: ['team'], measures: REACHED, ratios: CONVERSIONS },
    defaultPeriod: 'this_month',
    chart: { type: 'table', x: 'team', y: CONVERSIONS.map((c) => c.name) },
  },
  {
    id: 'stage-conversion-monthly',
    title: 'Stage conversion, month by month',
    area: 'funnel',
    description: `${FUNNEL_COUNTS} ${CONVERSION} One row per month (tenant time zone).`,
    spec: { source: 'stage_transitions', dimensions: ['month'], measures: REACHED, ratios: CONVERSIONS },
    defaultPeriod: 'this_year',
    chart: { type: 'line', x: 'month', y: CONVERSIONS.map((c) => c.name) },
  },
  {
    id: 'cohort-funnel-by-product',
    title: 'Cohort funnel by product',
    area: 'funnel',
    description:
      'Of the opportunities created in the period (the count), how many have reached Qualified, Potential, Demo and Visit so far, and how many were won; the win rate is won ÷ created. A cohort view: later moves of these opportunities count too.',
    spec: {
      source: 'opportunities',
      periodOn: 'createdAt',
      dimensions: ['productId'],
      measures: ['count', 'sum:reachedQualified', 'sum:reachedPotential', 'sum:reachedDemo', 'sum:reachedVisit', 'sum:reachedClosed'],
      ratios: [{ name: 'winRate', numerator: 'sum:reachedClosed', denominator: 'count' }],
    },
    defaultPeriod: 'last_90_days',
    chart: { type: 'bar', x: 'productId', y: ['count', 'sum:reachedClosed'] },
  },
  {
    id: 'cohort-funnel-by-staff',
    title: 'Cohort funnel by assignee',
    area: 'funnel',
    description:
      'Of the opportunities created in the period and assigned to each staff member now (the count), how many have reached Qualified, Potential, Demo and Visit so far, and how many were won; the win rate is won ÷ created.',
    spec: {
      source: 'opportunities',
      periodOn: 'createdAt',
      dimensions: ['assignedTo'],
      measures: ['count', 'sum:reachedQualified', 'sum:reachedPotential', 'sum:reachedDemo', 'sum:reachedVisit', 'sum:reachedClosed'],
      ratios: [{ name: 'winRate', numerator: 'sum:reachedClosed', denominator: 'count' }],
    },
    defaultPeriod: 'last_90_days',
    chart: { type: 'table', x: 'assignedTo', y: ['count', 'sum:reachedClosed', 'winRate'] },
  },
  {
    id: 'stage-corrections',
    title: 'Backward stage corrections',
    area: 'funnel',
    description:
      'The number (count) of backward stage moves in the period — corrections a manager or admin made, with a reason — by who made them and the stage the opportunity was moved from. History is never rewritten: a correction is a move of its own.',
    spec: { source: 'stage_transitions', dimensions: ['actor', 'fromStage'], measures: ['count'], filters: [{ field: 'isBackward', op: 'eq', value: true }] },
    defaultPeriod: 'this_month',
    chart: { type: 'table', x: 'actor', y: ['count'] },
  },
];

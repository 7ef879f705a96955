import type { CatalogueSpec } from '../spec';
import type { SpecialName } from '../special';

/**
 * A prebuilt report (DESIGN §13), as data: what it shows (its spec for the custom builder, or,
 * where the builder cannot express it, one of the few named special queries of special.ts), the
 * period it opens with, and how to draw it. The description states the definition of every number,
 * so a manager knows what it means.
 */
export const defaultPeriods = [
  'today',
  'yesterday',
  'this_week',
  'last_week',
  'this_month',
  'last_month',
  'this_quarter',
  'last_quarter',
  'last_30_days',
  'last_90_days',
  'this_year',
  'next_3_months',
  /** A snapshot of now (current pipeline): no period unless the caller gives one. */
  'none',
] as const;
export type DefaultPeriod = (typeof defaultPeriods)[number];

export const chartTypes = ['bar', 'line', 'table', 'funnel', 'pie'] as const;
export type ChartType = (typeof chartTypes)[number];

export const areas = ['funnel', 'activity', 'revenue', 'pipeline', 'leads', 'clients'] as const;
export type Area = (typeof areas)[number];

/** Data the facts do not hold that the run joins in: activity, revenue and pipeline targets (domain/targets). */
export type Needs = 'targets';

interface Base {
  id: string;
  title: string;
  area: Area;
  description: string;
  defaultPeriod: DefaultPeriod;
  /** x: a dimension (none for a table without one); y: measures or ratios, by the spec's names. */
  chart: { type: ChartType; x?: string; y: readonly string[] };
  needs?: readonly Needs[];
}

export type CatalogueReport = Base & ({ spec: CatalogueSpec; special?: never } | { special: SpecialName; spec?: never });

import { mayListFor, type Viewer } from '../../../domain/access/policy';
import type { Stage } from '../../../domain/pipeline/stages';
import type { ReportColumn } from '../../../domain/reports/compile';
import type { Staff } from '../../../domain/staff/staff';
import { periodTargets } from '../../../domain/targets/achievement';
import { addDays } from '../../../domain/targets/periods';
import { requiredPipeline } from '../../../domain/targets/pipeline-value';
import type { ActivityMetric, StaffTargetsVersion } from '../../../domain/targets/targets';
import { weekPeriod, weeklyTarget } from './dashboards';
import type { UseCaseContext } from './context';
import type { TenantConfig } from './ports';

/**
 * Targets joined into the five prebuilt reports that compare with them (catalogue `needs:
 * ['targets']`), computed as the dashboards of #7 compute them — periodTargets (day by day, the
 * version in force on each, working days only) and weeklyTarget × the stage multipliers for the
 * required pipeline — never re-derived here. A row's key is a staff member (staffId, assignedTo)
 * or a team (a manager's direct reports); a target is only ever of staff the caller may list
 * (mayListFor, as GET /v1/staff/{id}/targets), and only of active staff members.
 */

type Key = 'staff' | 'team';
export type TargetJoin =
  | { kind: 'activity'; key: Key; dimensions: readonly string[] }
  | { kind: 'revenue'; key: Key; dimensions: readonly string[] }
  | { kind: 'pipeline'; key: 'staff'; dimensions: readonly string[] };

/** Which target each report's rows are compared with; every `needs: ['targets']` report has one (catalogue test). */
export const targetJoins: Readonly<Record<string, TargetJoin>> = {
  'activity-vs-target-by-staff': { kind: 'activity', key: 'staff', dimensions: ['staffId'] },
  'activity-vs-target-by-team': { kind: 'activity', key: 'team', dimensions: ['team'] },
  'revenue-vs-target-by-staff': { kind: 'revenue', key: 'staff', dimensions: ['staffId'] },
  'revenue-vs-target-by-team': { kind: 'revenue', key: 'team', dimensions: ['team'] },
  'pipeline-coverage-by-stage': { kind: 'pipeline', key: 'staff', dimensions: ['assignedTo', 'stage'] },
};

/** The activity counters of the reports and the target metric each is judged by. */
const ACTIVITY: Readonly<Record<string, ActivityMetric>> = { 'sum:callCompleted': 'calls', 'sum:demoScheduled': 'demos', 'sum:visitScheduled': 'visits' };

/** A pair of columns added after the report's own: the target, and the measure ÷ it. */
interface Pair {
  measure: string;
  target: ReportColumn;
  ratio: ReportColumn;
  /** The target of one row, null when there is none. */
  of(row: readonly unknown[], targets: Targets): number | null;
}

/** What the join read: per row key, the staff members whose targets count for it. */
export interface Targets {
  /** The members counted for a row key (the staff member, or the team's direct reports), in the caller's scope. */
  members: ReadonlyMap<string, readonly Staff[]>;
  own: ReadonlyMap<string, readonly StaffTargetsVersion[]>;
  config: TenantConfig;
  /** The report's period as days (activity and revenue), and the week the pipeline is judged in. */
  days: readonly string[];
  week: Parameters<typeof weeklyTarget>[1] | undefined;
}

const sumOrNull = (values: (number | null | undefined)[]) => {
  const present = values.filter((v): v is number => typeof v === 'number');
  return present.length ? present.reduce((s, v) => s + v, 0) : null;
};
/** actual ÷ target to 4 places (as the dashboards' coverage); null without a target (or a zero one). */
export const achievementOf = (actual: unknown, target: number | null) => (target === null || target === 0 || typeof actual !== 'number' ? null : Math.round((actual / target) * 10_000) / 10_000);

function pairsOf(join: TargetJoin, columns: readonly ReportColumn[]): Pair[] {
  const keyOf = (row: readonly unknown[]) => (typeof row[0] === 'string' ? row[0] : '');
  const forMembers = (row: readonly unknown[], t: Targets, one: (s: Staff) => number | undefined) => sumOrNull((t.members.get(keyOf(row)) ?? []).map(one));
  const sources = (s: Staff, t: Targets) => ({ role: s.role, tenant: t.config.targets.value, own: t.own.get(s.staffId) ?? [] });
  const names = columns.map((c) => c.name);
  switch (join.kind) {
    case 'activity':
      return Object.entries(ACTIVITY)
        .filter(([measure]) => names.includes(measure))
        .map(([measure, metric]) => ({
          measure,
          target: { name: `target:${metric}`, type: 'int', role: 'measure' },
          ratio: { name: `achievement:${metric}`, type: 'float', role: 'ratio' },
          of: (row, t) => forMembers(row, t, (s) => periodTargets({ days: [...t.days] }, sources(s, t))?.activity[metric]),
        }));
    case 'revenue':
      return [
        {
          measure: 'sum:amount',
          target: { name: 'target', type: 'money', role: 'measure' },
          ratio: { name: 'achievement', type: 'float', role: 'ratio' },
          of: (row, t) => forMembers(row, t, (s) => periodTargets({ days: [...t.days] }, sources(s, t))?.revenue),
        },
      ];
    case 'pipeline':
      return [
        {
          measure: 'sum:dealValue',
          target: { name: 'required', type: 'money', role: 'measure' },
          ratio: { name: 'coverage', type: 'float', role: 'ratio' },
          of: (row, t) =>
            forMembers(row, t, (s) => {
              const weekly = weeklyTarget(s, t.week!, t.config, t.own.get(s.staffId) ?? []);
              return weekly === undefined ? undefined : requiredPipeline(weekly, s.role, t.config.stages.value).find((p) => p.stage === (row[1] as Stage))?.required;
            }),
        },
      ];
  }
}

/**
 * The report's rows (every row, in order) with the target columns appended; the totals' target is
 * the sum of the rows' targets, and their achievement the rows-with-a-target's measure ÷ it.
 */
export function withTargets(join: TargetJoin, result: { columns: ReportColumn[]; rows: unknown[][]; totals: unknown[] | null }, targets: Targets) {
  const pairs = pairsOf(join, result.columns);
  const at = (name: string) => result.columns.findIndex((c) => c.name === name);
  const rows = result.rows.map((row) => [
    ...row,
    ...pairs.flatMap((p) => {
      const target = p.of(row, targets);
      return [target, achievementOf(row[at(p.measure)], target)];
    }),
  ]);
  const width = result.columns.length;
  const totals = result.totals
    ? [
        ...result.totals,
        ...pairs.flatMap((p, i) => {
          const withTarget = rows.filter((r) => r[width + 2 * i] !== null);
          const target = sumOrNull(withTarget.map((r) => r[width + 2 * i] as number));
          return [target, achievementOf(sumOrNull(withTarget.map((r) => r[at(p.measure)] as number)) ?? 0, target)];
        }),
      ]
    : null;
  return { columns: [...result.columns, ...pairs.flatMap((p) => [p.target, p.ratio])], rows, totals };
}

/** Joins when the run kept the report's own rows (a groupBy that changes them leaves the facts alone). */
export const joinsTargets = (join: TargetJoin | undefined, columns: readonly ReportColumn[]): join is TargetJoin =>
  join !== undefined && JSON.stringify(columns.filter((c) => c.role === 'dimension').map((c) => c.name)) === JSON.stringify(join.dimensions);

const daysOf = (from: string, to: string) => {
  const days: string[] = [];
  for (let d = from; d <= to; d = addDays(d, 1)) days.push(d);
  return days;
};

/** Reads the staff and their own targets behind the rows' keys: one BatchGet, a subtree Query per team, one targets read. */
export async function readTargets(ctx: UseCaseContext, join: TargetJoin, rows: readonly unknown[][], period: { from: string; to: string } | null, config: TenantConfig, asOf: Date): Promise<Targets> {
  const tenantId = ctx.actor.tenantId;
  const viewer: Viewer = await ctx.viewer();
  const keys = [...new Set(rows.map((r) => r[0]).filter((k): k is string => typeof k === 'string' && k !== ''))];
  const found = await ctx.services.staff.getMany(tenantId, keys);
  const counted = (s: Staff) => s.active && mayListFor(viewer, s.staffId);
  const members = new Map<string, Staff[]>();
  if (join.key === 'staff') {
    for (const [id, s] of found) if (counted(s)) members.set(id, [s]);
  } else {
    // A team: the manager's direct reports (the facts' `team` is each member's direct manager).
    await Promise.all(
      [...found.values()].map(async (manager) => {
        const below = await ctx.services.staff.subtree(tenantId, manager.path);
        members.set(
          manager.staffId,
          below.filter((s) => s.managerId === manager.staffId && counted(s)),
        );
      }),
    );
  }
  const ids = [...new Set([...members.values()].flat().map((s) => s.staffId))];
  const own = ids.length ? await ctx.services.tenants.staffTargets(tenantId, ids) : new Map();
  return {
    members,
    own: new Map([...own].map(([id, v]) => [id, v.value])),
    config,
    days: period ? daysOf(period.from, period.to) : [],
    // The pipeline is judged in the week holding today (GET /v1/pipeline/{staffId} with no week).
    week: join.kind === 'pipeline' ? weekPeriod(config, asOf) : undefined,
  };
}

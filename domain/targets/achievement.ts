import type { Role } from '../access/roles';
import { addDays, localMidnight, weekdayOf, type Period } from './periods';
import { activityMetrics, effectiveTargets, type ActivityMetric, type StaffTargetsVersion, type TargetsVersion } from './targets';

/**
 * Target against achieved (spec §5, §10–11; DESIGN §3 Auto tracking and Targets). Achievement is
 * what the facts count — nothing here or anywhere writes a counter — and targets are summed day by
 * day with the version in force on each day, so a period that spans a change is judged partly by
 * each, and changing a target never rewrites a past period.
 */

/** The auto-tracked counters of one staff member over a period (DESIGN §3 Auto tracking). */
export interface Achievement {
  /** Call events completed. */
  calls: number;
  /** Opportunities assigned to them that reached Qualified (once each). */
  qualified: number;
  potential: number;
  /** Demo Scheduled events created. */
  demos: number;
  /** Visit Scheduled events created. */
  visits: number;
  /** Paise: their credited share of deals won. */
  revenue: number;
}

export const noAchievement: Achievement = { calls: 0, qualified: 0, potential: 0, demos: 0, visits: 0, revenue: 0 };

export interface PeriodTargets {
  /** Per metric for the whole period; absent where the role has no target for it. */
  activity: Partial<Record<ActivityMetric, number>>;
  /** Paise. */
  revenue: number;
}

export interface TargetSources {
  role: Role;
  tenant: readonly TargetsVersion[];
  own?: readonly StaffTargetsVersion[];
}

/**
 * The targets of a period, or of the part of it before `until` (pro-rata): each working day adds
 * its daily activity target and its share of the weekly revenue target (weekly ÷ working days a
 * week), weighted by how much of the day has passed — 1 for a day gone, the elapsed fraction for
 * today, 0 for days to come. Undefined for roles without targets (admins, analysts, warriors, partners).
 */
export function periodTargets(period: Pick<Period, 'days'>, sources: TargetSources, until?: { now: Date; timeZone: string }): PeriodTargets | undefined {
  if (!effectiveTargets(sources.role, period.days[0]!, sources.tenant, sources.own)) return undefined;
  const activity: Partial<Record<ActivityMetric, number>> = {};
  let revenue = 0;
  for (const day of period.days) {
    const t = effectiveTargets(sources.role, day, sources.tenant, sources.own)!;
    const weight = until ? elapsedShareOfDay(day, until.now, until.timeZone) : 1;
    for (const m of activityMetrics) {
      const daily = t.activity[m];
      if (daily === undefined) continue;
      activity[m] = (activity[m] ?? 0) + (t.workingDays.includes(weekdayOf(day)) ? daily * weight : 0);
    }
    if (t.workingDays.includes(weekdayOf(day))) revenue += (t.revenueWeekly / t.workingDays.length) * weight;
  }
  // Whole counts and whole paise; pro-rata figures to two places (a target "due by now" is 12.5 calls).
  const round = until ? (n: number) => Math.round(n * 100) / 100 : Math.round;
  return {
    activity: Object.fromEntries(Object.entries(activity).map(([m, n]) => [m, round(n)])),
    revenue: Math.round(revenue),
  };
}

/** 1 for a day that has ended by `now`, 0 for one not begun, else the fraction elapsed (local time). */
export function elapsedShareOfDay(day: string, now: Date, timeZone: string): number {
  const start = Date.parse(localMidnight(day, timeZone));
  const end = Date.parse(localMidnight(addDays(day, 1), timeZone));
  const t = now.getTime();
  if (t >= end) return 1;
  if (t <= start) return 0;
  return (t - start) / (end - start);
}

/** DESIGN §3 Tasks, alerts: behind when achieved is below 70 % of the target due by now. */
export const TARGET_GAP_SHARE = 0.7;

export interface TargetGap {
  metric: ActivityMetric | 'revenue';
  /** For the whole period. */
  target: number;
  /** Due by now (pro-rata). */
  due: number;
  achieved: number;
  /** achieved ÷ due, to 4 places. */
  ratio: number;
}

/** The metrics where achieved < 70 % of the target due by now, worst first. */
export function targetGaps(achieved: Achievement, full: PeriodTargets, due: PeriodTargets): TargetGap[] {
  const gaps: TargetGap[] = [];
  const check = (metric: ActivityMetric | 'revenue', target: number, dueNow: number, have: number) => {
    if (dueNow > 0 && have < TARGET_GAP_SHARE * dueNow) gaps.push({ metric, target, due: dueNow, achieved: have, ratio: Math.round((have / dueNow) * 10_000) / 10_000 });
  };
  for (const m of activityMetrics) {
    const target = full.activity[m];
    if (target !== undefined) check(m, target, due.activity[m] ?? 0, achieved[m]);
  }
  check('revenue', full.revenue, due.revenue, achieved.revenue);
  return gaps.sort((a, b) => a.ratio - b.ratio || a.metric.localeCompare(b.metric));
}

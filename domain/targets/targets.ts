import { z } from 'zod';
import type { Role } from '../access/roles';
import { IsoDate, Money } from '../shared/schemas';

/**
 * Spec §5 target system (DESIGN §3 Targets): activity targets per role per working day, revenue
 * targets per role per week, overridable per staff member. Targets are versioned by the date they
 * take effect: a period is judged by the target in force on its first day, so changing a target
 * never rewrites history.
 */
export const activityMetrics = ['calls', 'qualified', 'potential', 'demos', 'visits'] as const;
export const ActivityMetric = z.enum(activityMetrics);
export type ActivityMetric = z.infer<typeof ActivityMetric>;

/** The roles targets are set for: the ones that sell (DESIGN §3: Sales Officer and TS Officer are one role). */
export const targetRoles = ['tse', 'sales_officer', 'manager', 'asst_manager'] as const;
export const TargetRole = z.enum(targetRoles);
export type TargetRole = z.infer<typeof TargetRole>;

const Count = z.number().int().min(0).max(100_000);

/** Per working day; a metric a role is not set for is absent (not zero: "no target"). */
export const ActivityTargets = z.strictObject(Object.fromEntries(activityMetrics.map((m) => [m, Count.optional()])) as Record<ActivityMetric, z.ZodOptional<typeof Count>>);
export type ActivityTargets = z.infer<typeof ActivityTargets>;

export const RoleTargets = z.strictObject({
  activity: ActivityTargets,
  /** Paise per week. */
  revenueWeekly: Money,
});
export type RoleTargets = z.infer<typeof RoleTargets>;

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
export const Weekday = z.enum(WEEKDAYS);
export type Weekday = z.infer<typeof Weekday>;

/** One version of the tenant's targets, in force from `effectiveFrom` (a date in the tenant's time zone). */
export const TargetsVersion = z.strictObject({
  effectiveFrom: IsoDate,
  roles: z.strictObject(Object.fromEntries(targetRoles.map((r) => [r, RoleTargets])) as Record<TargetRole, typeof RoleTargets>),
  /** Days targets count on (DESIGN §6: Monday–Saturday by default). */
  workingDays: z.array(Weekday).min(1).max(7).refine((d) => new Set(d).size === d.length, 'must name each day once'),
});
export type TargetsVersion = z.infer<typeof TargetsVersion>;

const rupees = (r: number) => r * 100;

/** The seed defaults of spec §5 (DESIGN §3), in force from the beginning. */
export const seedTargets: TargetsVersion = {
  effectiveFrom: '2000-01-01',
  roles: {
    tse: { activity: { calls: 60, qualified: 20, potential: 5, demos: 2, visits: 1 }, revenueWeekly: rupees(4_00_000) },
    sales_officer: { activity: { qualified: 15, potential: 5, demos: 2, visits: 2 }, revenueWeekly: rupees(5_00_000) },
    manager: { activity: { potential: 5, demos: 3, visits: 2 }, revenueWeekly: rupees(8_00_000) },
    asst_manager: { activity: { potential: 5, demos: 3, visits: 2 }, revenueWeekly: rupees(10_00_000) },
  },
  workingDays: ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'],
};

/** A staff member's own targets, in force from a date: either part may be left to the role's. */
export const StaffTargetsVersion = z.strictObject({
  effectiveFrom: IsoDate,
  activity: ActivityTargets.optional(),
  revenueWeekly: Money.optional(),
});
export type StaffTargetsVersion = z.infer<typeof StaffTargetsVersion>;

/** The version in force on `day` (YYYY-MM-DD): the latest that took effect on or before it. */
export function inForce<T extends { effectiveFrom: string }>(versions: readonly T[], day: string): T | undefined {
  let found: T | undefined;
  for (const v of versions) if (v.effectiveFrom <= day && (!found || v.effectiveFrom >= found.effectiveFrom)) found = v;
  return found;
}

export interface EffectiveTargets {
  role: Role;
  /** Per working day. */
  activity: ActivityTargets;
  revenueWeekly: number;
  workingDays: readonly Weekday[];
  /** Where each part came from: the role's targets or the staff member's own. */
  source: { activity: 'role' | 'staff'; revenue: 'role' | 'staff' };
}

/**
 * A staff member's targets on `day`: their own override where they have one in force, else their
 * role's; undefined for a role targets are not set for (admins, analysts, warriors, partners).
 */
export function effectiveTargets(role: Role, day: string, tenant: readonly TargetsVersion[], own: readonly StaffTargetsVersion[] = []): EffectiveTargets | undefined {
  if (!(targetRoles as readonly string[]).includes(role)) return undefined;
  const base = inForce(tenant.length ? tenant : [seedTargets], day) ?? seedTargets;
  const roleTargets = base.roles[role as TargetRole];
  const override = inForce(own, day);
  return {
    role,
    // Metric by metric: an override of calls leaves the role's other targets in force.
    activity: { ...roleTargets.activity, ...override?.activity },
    revenueWeekly: override?.revenueWeekly ?? roleTargets.revenueWeekly,
    workingDays: base.workingDays,
    source: { activity: override?.activity ? 'staff' : 'role', revenue: override?.revenueWeekly !== undefined ? 'staff' : 'role' },
  };
}

/**
 * A new version replacing targets from `effectiveFrom` on: versions that took effect before it
 * are kept (history is never rewritten); one from the same day or later is replaced.
 */
export function withVersion<T extends { effectiveFrom: string }>(versions: readonly T[], next: T): T[] {
  return [...versions.filter((v) => v.effectiveFrom < next.effectiveFrom), next].sort((a, b) => a.effectiveFrom.localeCompare(b.effectiveFrom));
}

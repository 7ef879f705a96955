import { authorize, mayListFor, policy } from '../../../domain/access/policy';
import { forbidden, invalid, notFound } from '../../../domain/errors';
import { localDay } from '../../../domain/targets/periods';
import { effectiveTargets, inForce, targetRoles, withVersion, type EffectiveTargets, type StaffTargetsVersion, type TargetsVersion } from '../../../domain/targets/targets';
import { allInOrder, assertVersion, auditOf, tenantConfig, type UseCaseContext } from './context';
import type { Versioned } from './ports';

/**
 * Targets (spec §5, DESIGN §3): the tenant's, per role, and a staff member's own. Each change is a
 * new version in force from a day that has not begun judging anyone yet — today or later in the
 * tenant's time zone — so a past period keeps the target it was judged by.
 */

export interface TenantTargets {
  /** The version in force today. */
  current: TargetsVersion;
  versions: TargetsVersion[];
}

const today = (ctx: UseCaseContext, timeZone: string) => localDay(ctx.now, timeZone);

/** Versions are kept for ever (history); a document of them stays far below DynamoDB's 400 KB item. */
export const MAX_TARGET_VERSIONS = 100;

function withinLimit<T>(versions: T[]): T[] {
  if (versions.length > MAX_TARGET_VERSIONS) {
    throw invalid([{ field: 'body.effectiveFrom', code: 'too_many_versions', message: `at most ${MAX_TARGET_VERSIONS} versions are kept; change the one from the same day instead` }]);
  }
  return versions;
}

function notInPast(effectiveFrom: string, day: string, field: string): void {
  if (effectiveFrom < day) throw invalid([{ field, code: 'in_past', message: `must be today (${day}) or later: a past period is judged by the target in force then` }]);
}

export async function getTargets(ctx: UseCaseContext): Promise<Versioned<TenantTargets>> {
  authorize(ctx.actor, 'config:read');
  const config = await tenantConfig(ctx, { fresh: true });
  const versions = config.targets.value;
  return { value: { current: inForce(versions, today(ctx, config.settings.timeZone)) ?? versions[0]!, versions }, version: config.targets.version };
}

/** A new tenant version from `effectiveFrom` (default today), replacing any version from that day on. */
export async function putTargets(ctx: UseCaseContext, input: Omit<TargetsVersion, 'effectiveFrom'> & { effectiveFrom?: string | undefined }, expectedVersion: number): Promise<Versioned<TenantTargets>> {
  authorize(ctx.actor, 'config:write');
  const config = await tenantConfig(ctx, { fresh: true });
  assertVersion(config.targets.version, expectedVersion, 'targets');
  const day = today(ctx, config.settings.timeZone);
  const next: TargetsVersion = { ...input, effectiveFrom: input.effectiveFrom ?? day };
  notInPast(next.effectiveFrom, day, 'body.effectiveFrom');
  const versions = withinLimit(withVersion(config.targets.value, next));
  const version = await ctx.services.tenants.putConfig(ctx.actor.tenantId, 'TARGETS', versions, config.targets.version, auditOf(ctx, 'config', 'targets', 'updated', config.targets.value, versions));
  return { value: { current: inForce(versions, day) ?? versions[0]!, versions }, version };
}

export interface StaffTargets {
  staffId: string;
  role: string;
  /** What is in force today: their own where set, else their role's. */
  effective: EffectiveTargets | null;
  own: StaffTargetsVersion[];
}

/** The staff member, if the caller may see them (404 otherwise: they do not exist for the caller). */
async function visibleStaff(ctx: UseCaseContext, staffId: string) {
  const [viewer, staff] = await allInOrder([ctx.viewer(), ctx.services.staff.get(ctx.actor.tenantId, staffId)] as const);
  if (!staff || !mayListFor(viewer, staffId)) throw notFound('staff', staffId);
  return staff;
}

export async function getStaffTargets(ctx: UseCaseContext, staffId: string): Promise<Versioned<StaffTargets>> {
  authorize(ctx.actor, 'staff:read');
  const [config, staff, own] = await allInOrder([tenantConfig(ctx), visibleStaff(ctx, staffId), ctx.services.tenants.staffTargets(ctx.actor.tenantId, [staffId])] as const);
  const mine = own.get(staffId) ?? { value: [], version: 0 };
  return {
    value: { staffId, role: staff.role, effective: effectiveTargets(staff.role, today(ctx, config.settings.timeZone), config.targets.value, mine.value) ?? null, own: mine.value },
    version: mine.version,
  };
}

/**
 * A staff member's own targets from `effectiveFrom` (default today): an admin sets anyone's, a
 * manager those of their reports — never their own.
 */
export async function putStaffTargets(ctx: UseCaseContext, staffId: string, input: Omit<StaffTargetsVersion, 'effectiveFrom'> & { effectiveFrom?: string | undefined }, expectedVersion: number): Promise<Versioned<StaffTargets>> {
  authorize(ctx.actor, 'targets:write');
  const [config, staff, own] = await allInOrder([tenantConfig(ctx), visibleStaff(ctx, staffId), ctx.services.tenants.staffTargets(ctx.actor.tenantId, [staffId])] as const);
  if (staffId === ctx.actor.staffId && policy[ctx.actor.role].scope !== 'tenant') throw forbidden('own_targets', 'You may not set your own targets; your manager or an admin sets them.');
  if (!(targetRoles as readonly string[]).includes(staff.role)) {
    throw invalid([{ field: 'path.staffId', code: 'no_targets_for_role', message: `${staffId} is a ${staff.role}; targets are set for ${targetRoles.join(', ')}` }]);
  }
  if (!staff.active) throw invalid([{ field: 'path.staffId', code: 'staff_inactive', message: `${staffId} is deactivated` }]);
  if (input.activity === undefined && input.revenueWeekly === undefined) {
    throw invalid([{ field: 'body', code: 'required', message: 'give activity targets, a weekly revenue target, or both' }]);
  }
  const mine = own.get(staffId) ?? { value: [], version: 0 };
  assertVersion(mine.version, expectedVersion, `targets of ${staffId}`);
  const day = today(ctx, config.settings.timeZone);
  const next: StaffTargetsVersion = { ...input, effectiveFrom: input.effectiveFrom ?? day };
  notInPast(next.effectiveFrom, day, 'body.effectiveFrom');
  const versions = withinLimit(withVersion(mine.value, next));
  const version = await ctx.services.tenants.putStaffTargets(ctx.actor.tenantId, staff, versions, mine.version, auditOf(ctx, 'config', `targets/staff/${staffId}`, 'updated', mine.value, versions));
  return {
    value: { staffId, role: staff.role, effective: effectiveTargets(staff.role, day, config.targets.value, versions) ?? null, own: versions },
    version,
  };
}

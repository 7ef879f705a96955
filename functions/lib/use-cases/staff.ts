import { authorize, mayListFor, policy } from '../../../domain/access/policy';
import type { AuditEntry } from '../../../domain/audit/audit';
import { conflict, notFound } from '../../../domain/errors';
import { deactivated, moveUnder, newStaff, withNewReport } from '../../../domain/staff/hierarchy';
import type { Staff, StaffInput } from '../../../domain/staff/staff';
import { IdentityMismatchError, IdentityNotFoundError } from '../identity/identity-provider';
import { assertVersion, auditOf, retryLostRace, tenantConfig, type UseCaseContext } from './context';
import type { Page, PageRequest } from './ports';

const staffAudit = (ctx: UseCaseContext, staffId: string, action: AuditEntry['action'], before: unknown, after: unknown) => auditOf(ctx, 'staff', staffId, action, before, after);

/**
 * The sign-in account first (idempotent), then the staff record: a retry after a failure completes
 * both. Joining a team moves the manager's version on (so a concurrent move of that manager cannot
 * miss the newcomer); several people joining one team at once simply go one after another.
 */
export function createStaff(ctx: UseCaseContext, input: StaffInput): Promise<Staff> {
  authorize(ctx.actor, 'staff:write');
  return retryLostRace(() => addStaff(ctx, input));
}

async function addStaff(ctx: UseCaseContext, input: StaffInput): Promise<Staff> {
  const [manager] = await Promise.all([
    input.managerId ? ctx.services.staff.get(ctx.actor.tenantId, input.managerId) : Promise.resolve(undefined),
    // Staff only join a provisioned tenant.
    tenantConfig(ctx),
  ]);
  const made = newStaff(input, manager, ctx.now, ctx.actor.staffId);
  let staff = made;
  try {
    const { username } = await ctx.services.identity.createUser({ tenantId: ctx.actor.tenantId, staffId: made.staffId, email: made.email, name: made.name, role: made.role });
    // Kept so deactivation finds the account by its username, which no one can change.
    if (username) staff = { ...made, signInUsername: username };
  } catch (error) {
    if (error instanceof IdentityMismatchError) {
      throw conflict('email_in_use', 'This email already signs in as someone else.');
    }
    throw error;
  }
  await ctx.services.staff.create(ctx.actor.tenantId, staff, staffAudit(ctx, staff.staffId, 'created', undefined, staff), manager && { before: manager, after: withNewReport(manager, { now: ctx.now, actor: ctx.actor.staffId }) });
  return staff;
}

/** A staff member the caller may see: anyone (tenant scope), their subtree (managers), themselves. */
export async function getStaff(ctx: UseCaseContext, staffId: string): Promise<Staff> {
  authorize(ctx.actor, 'staff:read');
  const [staff, viewer] = await Promise.all([ctx.services.staff.get(ctx.actor.tenantId, staffId), ctx.viewer()]);
  if (!staff || !mayListFor(viewer, staffId)) throw notFound('staff', staffId);
  return staff;
}

/** The tenant's staff for tenant-wide roles; a manager's own subtree; a salesperson only themselves. */
export async function listStaff(ctx: UseCaseContext, page: PageRequest): Promise<Page<Staff>> {
  authorize(ctx.actor, 'staff:read');
  const scope = policy[ctx.actor.role].scope;
  if (scope === 'tenant') return ctx.services.staff.list(ctx.actor.tenantId, page);
  const me = await ctx.services.staff.get(ctx.actor.tenantId, ctx.actor.staffId);
  if (!me) return { items: [] };
  if (scope !== 'subtree') return { items: [me] };
  return { items: [me, ...(await ctx.services.staff.subtree(ctx.actor.tenantId, me.path))] };
}

/** Moves a staff member and their whole subtree under another manager (or to the top, with null). */
export function setManager(ctx: UseCaseContext, staffId: string, managerId: string | null, expectedVersion: number | undefined): Promise<Staff> {
  authorize(ctx.actor, 'staff:write');
  // A move that lost a race runs again on what it reads then: the other move may have made it a cycle (422).
  return retryLostRace(() => move(ctx, staffId, managerId, expectedVersion));
}

async function move(ctx: UseCaseContext, staffId: string, managerId: string | null, expectedVersion: number | undefined): Promise<Staff> {
  const [staff, manager] = await Promise.all([
    ctx.services.staff.get(ctx.actor.tenantId, staffId),
    managerId ? ctx.services.staff.get(ctx.actor.tenantId, managerId) : Promise.resolve(undefined),
  ]);
  if (!staff) throw notFound('staff', staffId);
  assertVersion(staff.version, expectedVersion, 'staff member');
  const subtree = await ctx.services.staff.subtree(ctx.actor.tenantId, staff.path);
  const changes = moveUnder(staff, subtree, manager, managerId, { now: ctx.now, actor: ctx.actor.staffId });
  await ctx.services.staff.save(ctx.actor.tenantId, changes, staffAudit(ctx, staffId, 'moved', staff, changes[0]!.after));
  return changes[0]!.after;
}

/** Deactivated staff can no longer sign in (Cognito) and lose any manager or partner scope at once. */
export async function deactivateStaff(ctx: UseCaseContext, staffId: string, expectedVersion: number | undefined): Promise<Staff> {
  authorize(ctx.actor, 'staff:write');
  const staff = await ctx.services.staff.get(ctx.actor.tenantId, staffId);
  if (!staff) throw notFound('staff', staffId);
  assertVersion(staff.version, expectedVersion, 'staff member');
  if (!staff.active) return staff;
  if (staffId === ctx.actor.staffId) throw conflict('cannot_deactivate_self', 'You cannot deactivate yourself.');
  try {
    await ctx.services.identity.disableUser({ tenantId: ctx.actor.tenantId, staffId, email: staff.email, username: staff.signInUsername });
  } catch (error) {
    if (error instanceof IdentityNotFoundError) {
      throw conflict('sign_in_account_missing', 'No sign-in account matches this staff member, so none could be disabled; nothing was changed. Ask a platform administrator to check the user pool.');
    }
    throw error;
  }
  const after = deactivated(staff, { now: ctx.now, actor: ctx.actor.staffId });
  await ctx.services.staff.save(ctx.actor.tenantId, [{ before: staff, after }], staffAudit(ctx, staffId, 'deactivated', staff, after));
  return after;
}

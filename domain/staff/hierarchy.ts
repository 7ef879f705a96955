import { withArticle } from '../access/policy';
import { invalid } from '../errors';
import { reportingPath, type Staff, type StaffInput } from './staff';

/** Roles that may have reports in the hierarchy (DESIGN §4: managers see their reporting subtree). */
export const managingRoles = ['tenant_admin', 'manager', 'asst_manager'] as const;

/**
 * How deep a reporting chain may go: 12 levels of up to 64-character ids keep every path within
 * the 1,024 bytes a DynamoDB index key holds (the path is the staff-tree index's sort key).
 */
export const MAX_DEPTH = 12;

function checkDepth(field: string, paths: readonly string[]): void {
  const deepest = Math.max(...paths.map((p) => p.split('/').length));
  if (deepest > MAX_DEPTH) {
    throw invalid([{ field, code: 'hierarchy_too_deep', message: `would make a reporting chain ${deepest} levels deep; at most ${MAX_DEPTH} are allowed` }]);
  }
}

function checkManager(field: string, managerId: string, manager: Staff | undefined): Staff {
  if (!manager || !manager.active) throw invalid([{ field, code: 'unknown_staff', message: `${managerId} is not an active member of staff` }]);
  if (!(managingRoles as readonly string[]).includes(manager.role)) {
    throw invalid([{ field, code: 'wrong_role', message: `${managerId} is ${withArticle(manager.role).toLowerCase()} and cannot have reports` }]);
  }
  return manager;
}

/** A new staff member under an (active, managing) manager; partners must name their company, others must not. */
export function newStaff(input: StaffInput, manager: Staff | undefined, now: Date, actor: string): Staff {
  if (input.managerId !== undefined) checkManager('body.managerId', input.managerId, manager);
  if (input.role === 'partner' && !input.partnerCompanyId) {
    throw invalid([{ field: 'body.partnerCompanyId', code: 'required', message: 'is required for a partner user' }]);
  }
  if (input.role !== 'partner' && input.partnerCompanyId !== undefined) {
    throw invalid([{ field: 'body.partnerCompanyId', code: 'not_applicable', message: 'applies only to partner users' }]);
  }
  const at = now.toISOString();
  const path = reportingPath(input.staffId, manager?.path);
  checkDepth('body.managerId', [path]);
  return { ...input, email: input.email.toLowerCase(), path, active: true, createdAt: at, updatedBy: actor, updatedAt: at, version: 1 };
}

/**
 * The manager as a staff member joins their team: their version moves on, so a move of that
 * manager (which rewrites the paths of the team it read) cannot miss the newcomer.
 */
export const withNewReport = (manager: Staff, ctx: { now: Date; actor: string }): Staff => ({ ...manager, updatedBy: ctx.actor, updatedAt: ctx.now.toISOString(), version: manager.version + 1 });

/** A staff member deactivated (DESIGN §4): no longer active, no longer assignable. */
export const deactivated = (s: Staff, ctx: { now: Date; actor: string }): Staff => ({ ...s, active: false, updatedBy: ctx.actor, updatedAt: ctx.now.toISOString(), version: s.version + 1 });

/**
 * Moves a staff member (and everyone below them) under a new manager: every path in the subtree is
 * rewritten. Moving someone under themselves or under one of their own reports is refused.
 */
export function moveUnder(
  staff: Staff,
  subtree: readonly Staff[],
  manager: Staff | undefined,
  managerId: string | null,
  ctx: { now: Date; actor: string },
): { before: Staff; after: Staff }[] {
  if (managerId !== null) {
    if (managerId === staff.staffId || subtree.some((s) => s.staffId === managerId)) {
      throw invalid([{ field: 'body.managerId', code: 'cycle', message: 'cannot be the staff member or one of their reports' }]);
    }
    checkManager('body.managerId', managerId, manager);
  }
  const newPath = reportingPath(staff.staffId, manager?.path);
  const stamp = { updatedBy: ctx.actor, updatedAt: ctx.now.toISOString() };
  const rewrite = (s: Staff): Staff => ({ ...s, path: newPath + s.path.slice(staff.path.length), ...stamp, version: s.version + 1 });
  const { managerId: _old, ...rest } = staff;
  const moved: Staff = { ...rest, ...(managerId !== null && { managerId }), path: newPath, ...stamp, version: staff.version + 1 };
  const changes = [{ before: staff, after: moved }, ...subtree.map((s) => ({ before: s, after: rewrite(s) }))];
  checkDepth('body.managerId', changes.map((c) => c.after.path));
  // The new manager gains a report: two moves at once (A under B, B under A; X under Y, Y under Z) then collide.
  return manager ? [...changes, { before: manager, after: withNewReport(manager, ctx) }] : changes;
}

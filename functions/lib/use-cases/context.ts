import { policy, type Viewer } from '../../../domain/access/policy';
import type { Principal } from '../../../domain/access/roles';
import type { AuditEntry } from '../../../domain/audit/audit';
import { DomainError } from '../../../domain/errors';
import { ids } from '../ids';
import type { Services } from '../services';
import type { TenantConfig } from '../store/tenants.dynamodb';

/** What every use case receives: who is acting, when, and the adapters. */
export interface UseCaseContext {
  actor: Principal;
  now: Date;
  services: Services;
  /** The actor with what their scope needs (a manager's subtree, a partner's company), read once per request. */
  viewer(): Promise<Viewer>;
}

/** The use-case context of an authenticated request. */
export function contextOf(input: { principal: Principal; now: Date }, services: Services): UseCaseContext {
  let viewer: Promise<Viewer> | undefined;
  return {
    actor: input.principal,
    now: input.now,
    services,
    viewer: () => (viewer ??= resolveViewer(input.principal, services)),
  };
}

/**
 * Tenant-wide and plain linked roles need nothing more than the token. A manager's scope is their
 * reporting subtree (one GetItem and one Query on the hierarchy index); a partner's is their
 * company. Both are read from the staff record, which also refuses deactivated staff.
 */
async function resolveViewer(actor: Principal, services: Services): Promise<Viewer> {
  const scope = policy[actor.role].scope;
  if (scope !== 'subtree' && actor.role !== 'partner') return actor;
  const me = await services.staff.get(actor.tenantId, actor.staffId);
  if (!me || !me.active || me.role !== actor.role) {
    throw new DomainError('forbidden', 'staff_inactive', 'Your staff record is missing, deactivated or holds another role.');
  }
  if (actor.role === 'partner') return { ...actor, ...(me.partnerCompanyId && { partnerCompanyId: me.partnerCompanyId }) };
  const below = await services.staff.subtree(actor.tenantId, me.path);
  return { ...actor, subtree: new Set([actor.staffId, ...below.map((s) => s.staffId)]) };
}

export async function tenantConfig(ctx: UseCaseContext): Promise<TenantConfig> {
  const config = await ctx.services.tenants.config(ctx.actor.tenantId);
  // A token for a tenant that was never provisioned cannot act on anything.
  if (!config) throw new DomainError('forbidden', 'unknown_tenant', 'Your tenant is not provisioned.');
  return config;
}

/** If-Match "7" → 7; absent → undefined; anything else → 400. */
export function versionFromIfMatch(ifMatch: string | undefined): number | undefined {
  if (ifMatch === undefined) return undefined;
  const match = /^(?:W\/)?"(\d+)"$/.exec(ifMatch.trim());
  if (!match) throw new DomainError('bad_request', 'invalid_if_match', 'If-Match must be an ETag this API returned, like "3".');
  return Number(match[1]);
}

export function requireIfMatch(ifMatch: string | undefined): number {
  const version = versionFromIfMatch(ifMatch);
  if (version === undefined) throw new DomainError('precondition_required', 'if_match_required', 'Send If-Match with the ETag you read, to avoid overwriting a newer change.');
  return version;
}

export function assertVersion(current: number, expected: number | undefined, what: string): void {
  if (expected !== undefined && current !== expected) {
    throw new DomainError('precondition_failed', 'stale_version', `The ${what} changed since you read it (now version ${current}); read it again and retry.`);
  }
}

/** An audit entry (DESIGN §8: who, when, before, after) of a change made in this request. */
export function auditOf(ctx: UseCaseContext, entity: AuditEntry['entity'], entityId: string, action: AuditEntry['action'], before: unknown, after: unknown): AuditEntry {
  return {
    id: ids.audit(),
    entity,
    entityId,
    action,
    actor: ctx.actor.staffId,
    at: ctx.now.toISOString(),
    ...(before !== undefined && { before }),
    ...(after !== undefined && { after }),
  };
}

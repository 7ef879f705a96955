import { policy, type Viewer } from '../../../domain/access/policy';
import type { Principal } from '../../../domain/access/roles';
import type { AuditEntry } from '../../../domain/audit/audit';
import { DomainError, forbidden, staleVersion } from '../../../domain/errors';
import { ids } from '../ids';
import type { Services, TenantConfig } from './ports';

/** What every use case receives: who is acting, when, and the ports. */
export interface UseCaseContext {
  actor: Principal;
  now: Date;
  services: Services;
  /** The actor with what their scope needs (a manager's subtree, a partner's company), read once per request. */
  viewer(): Promise<Viewer>;
  /** Set when an integration acts (#13): carried into every audit entry the request writes. */
  auditExtras?: Pick<AuditEntry, 'source' | 'conflicts' | 'rule'>;
}

/** The use-case context of an actor at an instant: built by the HTTP route factory, and by jobs and scripts. */
export function contextOf(actor: Principal, now: Date, services: Services): UseCaseContext {
  let viewer: Promise<Viewer> | undefined;
  return { actor, now, services, viewer: () => (viewer ??= resolveViewer(actor, services)) };
}

/**
 * Tenant-wide and plain linked roles need nothing more than the token: their reads are not refused
 * when they are deactivated until the token expires (≤ 1 h; their writes are, in the write's
 * transaction — README, Deactivation). A manager's scope is their reporting subtree (one GetItem
 * and one Query on the hierarchy index); a partner's is their company. Both are read from the staff
 * record, which also refuses deactivated managers and partners at once.
 */
async function resolveViewer(actor: Principal, services: Services): Promise<Viewer> {
  const scope = policy[actor.role].scope;
  if (scope !== 'subtree' && actor.role !== 'partner') return actor;
  const me = await services.staff.get(actor.tenantId, actor.staffId);
  if (!me || !me.active || me.role !== actor.role) throw forbidden('staff_inactive', 'Your staff record is missing, deactivated or holds another role.');
  if (actor.role === 'partner') return { ...actor, ...(me.partnerCompanyId && { partnerCompanyId: me.partnerCompanyId }) };
  const below = await services.staff.subtree(actor.tenantId, me.path);
  return { ...actor, subtree: new Set([actor.staffId, ...below.map((s) => s.staffId)]) };
}

/**
 * The tenant's configuration. Reads and writes that only apply it may use the container's copy of
 * the last few seconds (TenantsRepository.config); `fresh` for routes that show or replace a
 * document with its version (If-Match).
 */
export async function tenantConfig(ctx: UseCaseContext, opts: { fresh?: boolean } = {}): Promise<TenantConfig> {
  const config = await ctx.services.tenants.config(ctx.actor.tenantId, opts);
  // A token for a tenant that was never provisioned cannot act on anything.
  if (!config) throw forbidden('unknown_tenant', 'Your tenant is not provisioned.');
  return config;
}

/** The version the caller read (If-Match), when they sent one, must still be the current one (412 otherwise). */
export function assertVersion(current: number, expected: number | undefined, what: string): void {
  if (expected !== undefined && current !== expected) throw staleVersion(what, current);
}

/**
 * Runs independent reads and checks side by side, like Promise.all, but when several fail the
 * error of the earliest in the list wins — not whichever came back first — so a request gets the
 * same answer every time (an unprovisioned tenant is 403 before an unknown staff id is 422).
 */
export async function allInOrder<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises as readonly Promise<unknown>[]);
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/**
 * Runs a use case again when it lost a race (409 `concurrent_update`: what it read changed before
 * it wrote). Only for use cases that read everything afresh on each run and whose side effects
 * are idempotent, so a rerun is as if the request had come a moment later.
 */
export async function retryLostRace<T>(run: () => Promise<T>, attempts = 10, codes: readonly string[] = ['concurrent_update']): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run();
    } catch (error) {
      if (!(error instanceof DomainError && codes.includes(error.code)) || attempt >= attempts) throw error;
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 10 * Math.min(attempt, 5)));
    }
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
    actorRole: ctx.actor.role,
    at: ctx.now.toISOString(),
    ...(before !== undefined && { before }),
    ...(after !== undefined && { after }),
    ...ctx.auditExtras,
  };
}

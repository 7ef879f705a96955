import { acknowledge, resolve, type Alert, type AlertStatus } from '../../../domain/alerts/alert';
import { authorize, mayListFor } from '../../../domain/access/policy';
import { forbidden, notFound } from '../../../domain/errors';
import { allInOrder, assertVersion, tenantConfig, type UseCaseContext } from './context';
import type { Page } from './ports';

/**
 * GET /v1/alerts, POST /v1/alerts/{id}/acknowledge|resolve (DESIGN §6 "alerts"). An alert is
 * about one staff member and is seen by whoever may list that staff member (themselves, the
 * managers above them, tenant-wide roles); outside that it does not exist (404). People
 * acknowledge and resolve; the system raises them and resolves them when the condition clears.
 * No one resolves an alert about themselves: that is for someone above them.
 */
export interface AlertQuery {
  status: AlertStatus;
  staffId?: string | undefined;
  limit: number;
  cursor?: string | undefined;
}

export async function listAlerts(ctx: UseCaseContext, q: AlertQuery): Promise<Page<Alert>> {
  authorize(ctx.actor, 'alert:read');
  const [, viewer, staff] = await allInOrder([tenantConfig(ctx), ctx.viewer(), q.staffId !== undefined ? ctx.services.staff.get(ctx.actor.tenantId, q.staffId) : Promise.resolve(undefined)] as const);
  if (q.staffId !== undefined && (!staff || !mayListFor(viewer, q.staffId))) throw notFound('staff', q.staffId);
  return ctx.services.alerts.list(ctx.actor.tenantId, { status: q.status, limit: q.limit, ...(q.cursor && { cursor: q.cursor }), ...(q.staffId && { staffId: q.staffId }) }, (a) => mayListFor(viewer, a.staffId));
}

async function visibleAlert(ctx: UseCaseContext, alertId: string): Promise<Alert> {
  // A token for a tenant that was never provisioned reads nothing (403), as on every route.
  const [, viewer, alert] = await allInOrder([tenantConfig(ctx), ctx.viewer(), ctx.services.alerts.get(ctx.actor.tenantId, alertId)] as const);
  if (!alert || !mayListFor(viewer, alert.staffId)) throw notFound('alert', alertId);
  return alert;
}

export async function getAlert(ctx: UseCaseContext, alertId: string): Promise<Alert> {
  authorize(ctx.actor, 'alert:read');
  return visibleAlert(ctx, alertId);
}

export async function acknowledgeAlert(ctx: UseCaseContext, alertId: string, note?: string, expectedVersion?: number): Promise<Alert> {
  authorize(ctx.actor, 'alert:acknowledge');
  const before = await visibleAlert(ctx, alertId);
  assertVersion(before.version, expectedVersion, 'alert');
  const after = acknowledge(before, ctx.actor.staffId, ctx.now, note);
  await ctx.services.alerts.save(ctx.actor.tenantId, before, after, { actor: ctx.actor.staffId, actorRole: ctx.actor.role });
  return after;
}

export async function resolveAlert(ctx: UseCaseContext, alertId: string, note?: string, expectedVersion?: number): Promise<Alert> {
  authorize(ctx.actor, 'alert:resolve');
  const before = await visibleAlert(ctx, alertId);
  assertVersion(before.version, expectedVersion, 'alert');
  if (before.staffId === ctx.actor.staffId) throw forbidden('own_alert', 'An alert about you is resolved by someone above you; acknowledge it instead.');
  const after = resolve(before, ctx.actor.staffId, ctx.now, 'resolved', note);
  await ctx.services.alerts.save(ctx.actor.tenantId, before, after, { actor: ctx.actor.staffId, actorRole: ctx.actor.role });
  return after;
}

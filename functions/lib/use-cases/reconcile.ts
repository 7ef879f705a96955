import { authorize } from '../../../domain/access/policy';
import { conflict, DomainError, notFound } from '../../../domain/errors';
import type { Connection } from '../../../domain/integrations/connection';
import { ProviderApiError } from '../integrations/http';
import { workerOf } from '../integrations/providers';
import { logger } from '../logger';
import { tenantConfig, type UseCaseContext } from './context';
import { providerAccess, storeAndQueue } from './inbound';
import type { Services } from './ports';

/**
 * Reconciliation (DESIGN §9: a missed webhook must not mean missed data): providers that can be
 * polled — QuickBooks' Change Data Capture, Zoho Books by `last_modified_time` — are asked for
 * everything changed since the last pull. What they answer becomes a delivery like any other
 * (canonical records, origin `reconcile`), in the same log, through the same worker, applied by
 * the same idempotent appliers: a record the webhook already brought changes nothing twice.
 */
export interface ReconcileResult {
  connectionId: string;
  since: string;
  next: string;
  records: number;
  deliveryId?: string;
}

export async function reconcileConnection(services: Services, tenantId: string, conn: Connection, now: Date): Promise<ReconcileResult | undefined> {
  const worker = await workerOf(conn.provider);
  if (!worker.reconcile || !conn.enabled) return undefined;
  const since = conn.reconciledUntil ?? conn.createdAt;
  const secrets = await services.secrets.get(tenantId, conn.id);
  const { records, next } = await worker.reconcile(providerAccess(services, tenantId, conn, secrets, worker, now), since);
  let deliveryId: string | undefined;
  if (records.length > 0) {
    const body = Buffer.from(JSON.stringify({ records }));
    deliveryId = (await storeAndQueue(services, tenantId, conn, `reconcile:${since}/${next}`, body, { 'content-type': 'application/json' }, now, 'reconcile')).body.deliveryId;
  }
  // The next pull starts where this one ended; a concurrent pull that moved it first wins (its delivery covers the same changes).
  await services.integrations.saveConnection(tenantId, conn, { ...conn, reconciledUntil: next, version: conn.version + 1 }, {
    id: `${now.getTime()}-${conn.id}`,
    entity: 'integration',
    entityId: conn.id,
    action: 'updated',
    actor: `integration:${conn.id}`,
    at: now.toISOString(),
    before: { reconciledUntil: conn.reconciledUntil },
    after: { reconciledUntil: next },
  }).catch((error: unknown) => {
    if (!(error instanceof DomainError && error.code === 'concurrent_update')) throw error;
  });
  return { connectionId: conn.id, since, next, records: records.length, ...(deliveryId && { deliveryId }) };
}

/** The scheduled pull, for every connection of a tenant that can be polled; one that fails is logged and the others go on. */
export async function reconcileTenant(services: Services, tenantId: string, now: Date): Promise<{ pulled: ReconcileResult[]; failed: string[] }> {
  const pulled: ReconcileResult[] = [];
  const failed: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await services.integrations.listConnections(tenantId, { limit: 100, ...(cursor && { cursor }) });
    for (const conn of page.items) {
      try {
        const result = await reconcileConnection(services, tenantId, conn, now);
        if (result) pulled.push(result);
      } catch (error) {
        failed.push(conn.id);
        logger.warn('reconciliation failed', { tenantId, connectionId: conn.id, error: error instanceof Error ? error.message : String(error) });
      }
    }
    cursor = page.cursor;
  } while (cursor);
  return { pulled, failed };
}

/** POST /v1/integrations/{id}/reconcile: the pull now, for an admin who suspects a missed webhook. */
export async function reconcileNow(ctx: UseCaseContext, id: string): Promise<ReconcileResult> {
  authorize(ctx.actor, 'integration:manage');
  await tenantConfig(ctx);
  const conn = await ctx.services.integrations.getConnection(ctx.actor.tenantId, id);
  if (!conn) throw notFound('connection', id);
  if (!conn.enabled) throw conflict('connection_disabled', 'The connection is disabled: enable it first.');
  try {
    const result = await reconcileConnection(ctx.services, ctx.actor.tenantId, conn, ctx.now);
    if (!result) throw conflict('not_reconcilable', `${conn.provider} cannot be polled: only QuickBooks and Zoho Books connections are reconciled.`);
    return result;
  } catch (error) {
    if (error instanceof ProviderApiError) throw new DomainError('conflict', error.code, error.message, {}, error.retryable ? 60 : undefined);
    throw error;
  }
}

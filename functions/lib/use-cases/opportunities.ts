import { authorize, authorizeOn, opportunityTeam, policy, type Action } from '../../../domain/access/policy';
import type { AuditEntry } from '../../../domain/audit/audit';
import { notFound } from '../../../domain/errors';
import { newOpportunity, OpportunityInput, patchOpportunity, type Opportunity, type OpportunityPatch } from '../../../domain/pipeline/opportunity';
import { changeStage, type StageChangeInput, type StageTransition } from '../../../domain/pipeline/stage-change';
import type { z } from 'zod';
import { ids } from '../ids';
import type { Page } from '../store/pipeline.dynamodb';
import { visibleClient } from './clients';
import { assertVersion, tenantConfig, type UseCaseContext } from './context';

export const opportunityAudit = (ctx: UseCaseContext, o: { id: string }, action: AuditEntry['action'], before: unknown, after: unknown): AuditEntry => ({
  id: ids.audit(),
  entity: 'opportunity',
  entityId: o.id,
  action,
  actor: ctx.actor.staffId,
  at: ctx.now.toISOString(),
  ...(before !== undefined && { before }),
  ...(after !== undefined && { after }),
});

export async function createOpportunity(ctx: UseCaseContext, clientId: string, input: z.infer<typeof OpportunityInput>): Promise<Opportunity> {
  authorize(ctx.actor, 'opportunity:create');
  const [, config] = await Promise.all([visibleClient(ctx, clientId, 'client:read'), tenantConfig(ctx)]);
  const o = newOpportunity(input, {
    id: ids.opportunity(clientId),
    clientId,
    actor: ctx.actor,
    now: ctx.now,
    product: config.products.value.find((p) => p.id === input.productId),
    stagesConfig: config.stages.value,
    currency: config.settings.currency,
  });
  await ctx.services.pipeline.createOpportunity(ctx.actor.tenantId, o, opportunityAudit(ctx, o, 'created', undefined, o));
  return o;
}

/** An opportunity the caller may see (404 otherwise) and act on (403 otherwise): one GetItem. */
export async function visibleOpportunity(ctx: UseCaseContext, opportunityId: string, action: Action): Promise<Opportunity> {
  const o = await ctx.services.pipeline.getOpportunity(ctx.actor.tenantId, opportunityId);
  if (!o) throw notFound('opportunity', opportunityId);
  authorizeOn(ctx.actor, action, { kind: 'opportunity', id: opportunityId, team: opportunityTeam(o) });
  return o;
}

export async function updateOpportunity(ctx: UseCaseContext, opportunityId: string, patch: OpportunityPatch, expectedVersion: number): Promise<Opportunity> {
  const [before, config] = await Promise.all([visibleOpportunity(ctx, opportunityId, 'opportunity:update'), tenantConfig(ctx)]);
  assertVersion(before.version, expectedVersion, 'opportunity');
  const after = patchOpportunity(before, patch, { now: ctx.now, stagesConfig: config.stages.value });
  await ctx.services.pipeline.saveOpportunity(ctx.actor.tenantId, after, before.version, { audit: opportunityAudit(ctx, after, 'updated', before, after) });
  return after;
}

export async function moveStage(
  ctx: UseCaseContext,
  opportunityId: string,
  cmd: StageChangeInput,
  expectedVersion: number | undefined,
): Promise<{ opportunity: Opportunity; transition: StageTransition }> {
  const [before, config] = await Promise.all([visibleOpportunity(ctx, opportunityId, 'opportunity:stage'), tenantConfig(ctx)]);
  assertVersion(before.version, expectedVersion, 'opportunity');
  const result = changeStage(before, cmd, {
    actor: ctx.actor,
    now: ctx.now,
    stagesConfig: config.stages.value,
    leadOwnerCreditPercent: config.settings.leadOwnerCreditPercent,
  });
  await ctx.services.pipeline.saveOpportunity(ctx.actor.tenantId, result.opportunity, before.version, {
    audit: opportunityAudit(ctx, before, 'stage_changed', before, result.opportunity),
    transition: result.transition,
  });
  return result;
}

export async function stageHistory(ctx: UseCaseContext, opportunityId: string): Promise<StageTransition[]> {
  await visibleOpportunity(ctx, opportunityId, 'opportunity:read');
  return ctx.services.pipeline.stageHistory(ctx.actor.tenantId, opportunityId);
}

export async function opportunityAuditTrail(ctx: UseCaseContext, opportunityId: string, page: { limit: number; cursor?: string }): Promise<Page<AuditEntry>> {
  const o = await visibleOpportunity(ctx, opportunityId, 'audit:read');
  return ctx.services.pipeline.audit(ctx.actor.tenantId, o.clientId, o.id, page);
}

/**
 * Lists by assignee (gsi1) or, for roles that see the whole tenant, across the tenant (gsi2).
 * A linked-scope role lists only its own assignments: the key decides, nothing is filtered after.
 */
export async function listOpportunities(ctx: UseCaseContext, q: { assignee?: string; stage?: string; limit: number; cursor?: string }): Promise<Page<Opportunity>> {
  authorize(ctx.actor, 'opportunity:read');
  const assignee = scopedAssignee(ctx, q.assignee);
  return ctx.services.pipeline.listOpportunities(ctx.actor.tenantId, { ...q, ...(assignee !== undefined && { assignee }) });
}

/** Tenant-scope roles may ask for anyone (or everyone); others always get their own. */
export function scopedAssignee(ctx: UseCaseContext, requested: string | undefined): string | undefined {
  if (policy[ctx.actor.role].scope === 'tenant') return requested;
  if (requested !== undefined && requested !== ctx.actor.staffId) throw notFound('staff', requested);
  return ctx.actor.staffId;
}

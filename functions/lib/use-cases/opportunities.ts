import type { z } from 'zod';
import { authorize, authorizeFields, authorizeOn, mayListFor, partnerSubject, policy } from '../../../domain/access/policy';
import type { AuditEntry } from '../../../domain/audit/audit';
import { conflict, notFound } from '../../../domain/errors';
import { checkAssignees, isOpen, newOpportunity, OpportunityInput, patchOpportunity, type Opportunity, type OpportunityPatch } from '../../../domain/pipeline/opportunity';
import { changeStage, closerOf, type StageChangeInput, type StageTransition } from '../../../domain/pipeline/stage-change';
import { ids } from '../ids';
import { visibleClient, type WriteOptions } from './clients';
import { allInOrder, assertVersion, auditOf, tenantConfig, type UseCaseContext } from './context';
import type { Page, PageRequest } from './ports';

const opportunityAudit = (ctx: UseCaseContext, o: { id: string }, action: AuditEntry['action'], before: unknown, after: unknown) =>
  auditOf(ctx, 'opportunity', o.id, action, before, after);

/** The staff an opportunity names exist, are active and fit their place (one BatchGetItem, only when it names someone). */
async function checkNamedStaff(ctx: UseCaseContext, named: { assignedTo?: string; coSalespersons?: readonly string[]; warriors?: readonly string[] }) {
  const idsNamed = [...(named.assignedTo ? [named.assignedTo] : []), ...(named.coSalespersons ?? []), ...(named.warriors ?? [])];
  if (idsNamed.length === 0) return;
  checkAssignees(named, await ctx.services.staff.getMany(ctx.actor.tenantId, idsNamed));
}

export async function createOpportunity(ctx: UseCaseContext, clientId: string, input: z.infer<typeof OpportunityInput>, opts: WriteOptions & { source?: Opportunity['source'] } = {}): Promise<Opportunity> {
  authorize(ctx.actor, 'opportunity:create');
  // Handing to someone else or to a partner is a manager's decision, on creation as on edit.
  authorizeFields(ctx.actor, [
    ...(input.assignedTo !== undefined && input.assignedTo !== ctx.actor.staffId ? ['assignedTo'] : []),
    ...(input.partnerCompanyId !== undefined ? ['partnerCompanyId'] : []),
  ]);
  const [config] = await allInOrder([tenantConfig(ctx), visibleClient(ctx, clientId, 'client:read'), checkNamedStaff(ctx, input)]);
  const o = newOpportunity(input, {
    id: opts.id ?? ids.opportunity(clientId),
    clientId,
    actor: ctx.actor,
    now: ctx.now,
    product: config.products.value.find((p) => p.id === input.productId),
    stagesConfig: config.stages.value,
    currency: config.settings.currency,
    ...(opts.source && { source: opts.source }),
  });
  if (opts.dryRun) {
    const open = (await ctx.services.pipeline.clientOpportunities(ctx.actor.tenantId, clientId)).find((x) => x.productId === o.productId && isOpen(x) && x.id !== o.id);
    if (open) throw conflict('open_opportunity_exists', `The client already has an open ${o.productId} opportunity.`, { existingOpportunityId: open.id });
  } else await ctx.services.pipeline.createOpportunity(ctx.actor.tenantId, o, opportunityAudit(ctx, o, 'created', undefined, o));
  return o;
}

/** An opportunity the caller may see (404 otherwise) and act on (403 otherwise): one GetItem. */
export async function visibleOpportunity(ctx: UseCaseContext, opportunityId: string, action: Parameters<typeof authorize>[1]): Promise<Opportunity> {
  const [o, viewer] = await Promise.all([ctx.services.pipeline.getOpportunity(ctx.actor.tenantId, opportunityId), ctx.viewer()]);
  if (!o) throw notFound('opportunity', opportunityId);
  authorizeOn(viewer, action, { kind: 'opportunity', id: opportunityId, links: o });
  return o;
}

export async function getOpportunity(ctx: UseCaseContext, opportunityId: string): Promise<Opportunity> {
  return visibleOpportunity(ctx, opportunityId, 'opportunity:read');
}

export async function updateOpportunity(ctx: UseCaseContext, opportunityId: string, patch: OpportunityPatch, expectedVersion: number): Promise<Opportunity> {
  const [config, before] = await allInOrder([tenantConfig(ctx), visibleOpportunity(ctx, opportunityId, 'opportunity:update')]);
  authorizeFields(ctx.actor, Object.keys(patch));
  assertVersion(before.version, expectedVersion, 'opportunity');
  await checkNamedStaff(ctx, { ...(patch.assignedTo !== undefined && { assignedTo: patch.assignedTo }), ...(patch.coSalespersons && { coSalespersons: patch.coSalespersons }), ...(patch.warriors && { warriors: patch.warriors }) });
  const after = patchOpportunity(before, patch, { now: ctx.now, actor: ctx.actor, stagesConfig: config.stages.value });
  await ctx.services.pipeline.saveOpportunity(ctx.actor.tenantId, before, after, { audit: opportunityAudit(ctx, after, 'updated', before, after) });
  return after;
}

export async function moveStage(
  ctx: UseCaseContext,
  opportunityId: string,
  cmd: StageChangeInput,
  expectedVersion: number | undefined,
): Promise<{ opportunity: Opportunity; transition: StageTransition }> {
  const [config, before] = await allInOrder([tenantConfig(ctx), visibleOpportunity(ctx, opportunityId, 'opportunity:stage')]);
  assertVersion(before.version, expectedVersion, 'opportunity');
  // Closing Won credits the closer: their staff record decides whether they may be (one GetItem, only then).
  const closerId = closerOf(before, cmd, ctx.actor);
  const closer = closerId === undefined ? undefined : await ctx.services.staff.get(ctx.actor.tenantId, closerId);
  const result = changeStage(before, cmd, {
    actor: ctx.actor,
    now: ctx.now,
    stagesConfig: config.stages.value,
    leadOwnerCreditPercent: config.settings.leadOwnerCreditPercent,
    ...(closer && { closer }),
  });
  await ctx.services.pipeline.saveOpportunity(ctx.actor.tenantId, before, result.opportunity, {
    audit: opportunityAudit(ctx, before, 'stage_changed', before, result.opportunity),
    transition: result.transition,
    ...(closer && { closer }),
  });
  return result;
}

export async function stageHistory(ctx: UseCaseContext, opportunityId: string): Promise<StageTransition[]> {
  await visibleOpportunity(ctx, opportunityId, 'opportunity:read');
  return ctx.services.pipeline.stageHistory(ctx.actor.tenantId, opportunityId);
}

/** The opportunity's entries of its client's audit trail (its own changes and its events'), newest first. */
export async function opportunityAuditTrail(ctx: UseCaseContext, opportunityId: string, page: PageRequest): Promise<Page<AuditEntry>> {
  const o = await visibleOpportunity(ctx, opportunityId, 'audit:read');
  return ctx.services.pipeline.clientAudit(ctx.actor.tenantId, o.clientId, { ...page, scopes: new Set([o.id]) });
}

/**
 * Lists from the key that holds exactly what the caller may see: a subject's membership partition
 * (their own, a report's for a manager, their company's for a partner) or, for tenant-wide roles
 * asking for everyone, the tenant index. Nothing is fetched and then filtered.
 */
export async function listOpportunities(ctx: UseCaseContext, q: PageRequest & { assignee?: string; stage?: string }): Promise<Page<Opportunity>> {
  authorize(ctx.actor, 'opportunity:read');
  const subject = await listSubject(ctx, q.assignee);
  return ctx.services.pipeline.listOpportunities(ctx.actor.tenantId, { ...q, ...(subject !== undefined && { subject }) });
}

/** Whose list a caller gets: anyone's (tenant scope), a report's (subtree), or only their own. */
export async function listSubject(ctx: UseCaseContext, requested: string | undefined): Promise<string | undefined> {
  const viewer = await ctx.viewer();
  if (viewer.role === 'partner') {
    if (requested !== undefined || !viewer.partnerCompanyId) throw notFound('staff', requested ?? ctx.actor.staffId);
    return partnerSubject(viewer.partnerCompanyId);
  }
  if (requested === undefined) return policy[viewer.role].scope === 'tenant' ? undefined : viewer.staffId;
  if (!mayListFor(viewer, requested)) throw notFound('staff', requested);
  return requested;
}

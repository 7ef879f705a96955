import { authorize, inScope, opportunityTeam, policy } from '../../../domain/access/policy';
import type { AuditEntry } from '../../../domain/audit/audit';
import { DomainError, notFound } from '../../../domain/errors';
import { completeEvent as complete, EventInput, markMissed, newEvent, type CompleteEventInput, type CrmEvent, type EventStatus } from '../../../domain/events/event';
import { assertOpen, type Opportunity } from '../../../domain/pipeline/opportunity';
import type { z } from 'zod';
import { ids } from '../ids';
import { assertVersion, auditOf, tenantConfig, type UseCaseContext } from './context';
import type { Page } from './ports';
import { listSubject, visibleOpportunity } from './opportunities';
import type { WriteOptions } from './clients';

const eventAudit = (ctx: UseCaseContext, e: CrmEvent, action: AuditEntry['action'], before: unknown, after: unknown) => auditOf(ctx, 'event', e.id, action, before, after);

/** Follow-ups exist only as events (spec §17); none on a closed opportunity. */
export async function addEvent(ctx: UseCaseContext, opportunityId: string, input: z.infer<typeof EventInput>, opts: WriteOptions & { purpose?: CrmEvent['purpose'] } = {}): Promise<CrmEvent> {
  const o = await visibleOpportunity(ctx, opportunityId, 'event:create');
  assertOpen(o);
  // A follow-up goes to someone on the opportunity (or the caller): not into a stranger's list.
  const event = newEvent(input, { id: opts.id ?? ids.event(o.clientId), opportunityId: o.id, clientId: o.clientId, productId: o.productId, actor: ctx.actor, now: ctx.now, assignees: [...opportunityTeam(o), ctx.actor.staffId], ...(opts.purpose && { purpose: opts.purpose }) });
  if (!opts.dryRun) await ctx.services.pipeline.createEvent(ctx.actor.tenantId, event, eventAudit(ctx, event, 'created', undefined, event));
  return event;
}

/** An event is visible to whoever can see its opportunity. */
async function visibleEvent(ctx: UseCaseContext, eventId: string, action: 'event:read' | 'event:complete'): Promise<{ event: CrmEvent; opportunity: Opportunity }> {
  const event = await ctx.services.pipeline.getEvent(ctx.actor.tenantId, eventId);
  if (!event) throw notFound('event', eventId);
  try {
    return { event, opportunity: await visibleOpportunity(ctx, event.opportunityId, action) };
  } catch (error) {
      // Out of the opportunity's scope means the event does not exist for the caller.
    if (error instanceof DomainError && error.kind === 'not_found') throw notFound('event', eventId);
    throw error;
  }
}

export async function getEvent(ctx: UseCaseContext, eventId: string): Promise<CrmEvent> {
  return (await visibleEvent(ctx, eventId, 'event:read')).event;
}

export async function completeEvent(
  ctx: UseCaseContext,
  eventId: string,
  input: CompleteEventInput,
  expectedVersion: number | undefined,
): Promise<{ event: CrmEvent; created?: CrmEvent }> {
  const { event: before, opportunity } = await visibleEvent(ctx, eventId, 'event:complete');
  assertVersion(before.version, expectedVersion, 'event');
  assertOpen(opportunity);
  const result = complete(before, input, { now: ctx.now, actor: ctx.actor, newId: () => ids.event(before.clientId) });
  await ctx.services.pipeline.saveEvent(ctx.actor.tenantId, result.event, before.version, {
    requireOpen: true,
    ...(result.created && { created: result.created }),
    audit: [
      eventAudit(ctx, result.event, 'completed', before, result.event),
      ...(result.created ? [eventAudit(ctx, result.created, 'created', undefined, result.created)] : []),
    ],
  });
  return result;
}

export async function listEvents(
  ctx: UseCaseContext,
  q: { assignee?: string; status: EventStatus; from?: string; to?: string; limit: number; cursor?: string },
): Promise<Page<CrmEvent>> {
  authorize(ctx.actor, 'event:read');
  // Events are assigned to people, so a partner user lists their own, like any linked role.
  const assignee = ctx.actor.role === 'partner' ? ownOnly(ctx, q.assignee) : await listSubject(ctx, q.assignee);
  const page = await ctx.services.pipeline.listEvents(ctx.actor.tenantId, { ...q, ...(assignee !== undefined && { assignee }) });
  const viewer = await ctx.viewer();
  if (policy[viewer.role].scope === 'tenant') return page;
  // An event stays assigned after its opportunity moves out of the caller's scope; it is then
  // gone for them, in the list as in GET /v1/events/{id}. One BatchGetItem per page decides.
  const opportunities = await ctx.services.pipeline.getOpportunities(ctx.actor.tenantId, page.items.map((e) => e.opportunityId));
  return { ...page, items: page.items.filter((e) => { const o = opportunities.get(e.opportunityId); return o !== undefined && inScope(viewer, o); }) };
}

function ownOnly(ctx: UseCaseContext, requested: string | undefined): string {
  if (requested !== undefined && requested !== ctx.actor.staffId) throw notFound('staff', requested);
  return ctx.actor.staffId;
}

/**
 * DESIGN §3: a Pending event whose scheduled time plus the tenant's grace has passed is Missed.
 * Run by the system (the missed-sweep job, the demo seed) over the tenant's pending events
 * scheduled before the cutoff, oldest first, a page at a time; an event completed meanwhile
 * (a lost race) is left as it is. Returns the events marked.
 */
export async function sweepMissed(ctx: UseCaseContext): Promise<CrmEvent[]> {
  const { settings } = await tenantConfig(ctx);
  const cutoff = new Date(ctx.now.getTime() - settings.missedGraceMinutes * 60_000).toISOString();
  const marked: CrmEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.services.pipeline.listEvents(ctx.actor.tenantId, { status: 'Pending', to: cutoff, limit: 100, ...(cursor && { cursor }) });
    for (const missed of markMissed(page.items, ctx.now, settings.missedGraceMinutes)) {
      const before = page.items.find((e) => e.id === missed.id)!;
      try {
        await ctx.services.pipeline.saveEvent(ctx.actor.tenantId, missed, before.version, { requireOpen: false, audit: [eventAudit(ctx, missed, 'missed', before, missed)] });
        marked.push(missed);
      } catch (error) {
        if (!(error instanceof DomainError && error.kind === 'conflict')) throw error;
      }
    }
    cursor = page.cursor;
  } while (cursor);
  return marked;
}

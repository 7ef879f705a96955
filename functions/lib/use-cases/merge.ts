import { authorize, authorizeOn, inScope } from '../../../domain/access/policy';
import type { Client } from '../../../domain/clients/client';
import { clientMerged, keptOf, MERGED_REASON, survivorAfter, type MergeInput } from '../../../domain/clients/merge';
import { conflict, forbidden, invalidField, notFound } from '../../../domain/errors';
import type { CrmEvent } from '../../../domain/events/event';
import { isOpen, type Opportunity } from '../../../domain/pipeline/opportunity';
import { auditOf, retryLostRace, type UseCaseContext } from './context';
import { moveStage } from './opportunities';
import type { StoredClient } from './ports';

/** What a merge did: the survivor as it is now, the clients merged, and the deals it closed. */
export interface MergeResult {
  survivor: Client;
  merged: string[];
  /** Opportunities closed Lost (`merged`): the less advanced of two open ones for one product. */
  closed: string[];
  moved: { opportunities: number; events: number };
}

/**
 * POST /v1/clients/{survivor}/merge (#12 item 3). Each merged client is claimed (it points at the
 * survivor from then on, so writes to it are refused), then its opportunities move one by one —
 * each in its own transaction, conditional on the version read, so a concurrent write to either
 * client is never lost: the loser of the race is read again — then its events, then its contact
 * points, and it is marked done. Every step finds what an earlier, interrupted run did, so the
 * request is safe to repeat; a repeat after success changes nothing.
 */
export async function mergeClients(ctx: UseCaseContext, survivorId: string, input: MergeInput): Promise<MergeResult> {
  authorize(ctx.actor, 'client:dedupe');
  if (input.from.includes(survivorId)) throw invalidField('body.from', 'merge_into_itself', 'must not name the survivor');
  const tenantId = ctx.actor.tenantId;
  const viewer = await ctx.viewer();
  const survivor = await ctx.services.clients.get(tenantId, survivorId);
  if (!survivor) throw notFound('client', survivorId);
  authorizeOn(viewer, 'client:update', { kind: 'client', id: survivorId, links: { team: survivor.team } });
  if (survivor.mergedInto) throw clientMerged(survivorId, survivor.mergedInto);

  // Every client and every deal on them must be the caller's to act on, before anything is written.
  const merging: StoredClient[] = [];
  for (const id of input.from) {
    const stored = await ctx.services.clients.get(tenantId, id);
    if (!stored) throw notFound('client', id);
    authorizeOn(viewer, 'client:update', { kind: 'client', id, links: { team: stored.team } });
    if (stored.mergedInto && stored.mergedInto !== survivorId) throw conflict('client_merged', `Client ${id} was merged into ${stored.mergedInto} already.`, { clientId: id, survivorId: stored.mergedInto });
    const hidden = (await ctx.services.pipeline.clientOpportunities(tenantId, id)).filter((o) => !inScope(viewer, o));
    if (hidden.length > 0) throw forbidden('merge_out_of_scope', `Client ${id} has ${hidden.length} opportunit${hidden.length === 1 ? 'y' : 'ies'} outside your scope; a manager over them (or an admin) must merge it.`);
    merging.push(stored);
  }

  const result: MergeResult = { survivor: survivor.client, merged: [], closed: [], moved: { opportunities: 0, events: 0 } };
  for (const stored of merging) {
    if (!stored.mergeDone) await mergeOne(ctx, survivorId, stored, result);
    result.merged.push(stored.client.id);
  }
  result.survivor = (await ctx.services.clients.get(tenantId, survivorId))!.client;
  return result;
}

async function mergeOne(ctx: UseCaseContext, survivorId: string, stored: StoredClient, result: MergeResult): Promise<void> {
  const tenantId = ctx.actor.tenantId;
  const merged = stored.client;
  const partitions = [merged.id, ...(stored.mergedFrom ?? [])];
  if (!stored.mergedInto) {
    const claimed = { ...merged, version: merged.version + 1 };
    await ctx.services.clients.claimMerge(tenantId, survivorId, merged, partitions, auditOf(ctx, 'client', merged.id, 'updated', merged, { ...claimed, mergedInto: survivorId }));
  }

  // Opportunities, one transaction each; a product open on both keeps the more advanced deal.
  for (const first of await ctx.services.pipeline.clientOpportunities(tenantId, merged.id)) {
    await retryLostRace(async () => {
      let o = (await ctx.services.pipeline.getOpportunity(tenantId, first.id))!;
      if (o.clientId !== merged.id) return;
      if (isOpen(o)) {
        const rival = (await ctx.services.pipeline.clientOpportunities(tenantId, survivorId)).find((x) => x.productId === o.productId && isOpen(x));
        if (rival) {
          const { close } = keptOf(rival, o);
          await moveStage(ctx, close.id, { stage: 'Closed', outcome: 'Lost', reason: MERGED_REASON }, close.version);
          result.closed.push(close.id);
          o = (await ctx.services.pipeline.getOpportunity(tenantId, o.id))!;
        }
      }
      const after: Opportunity = { ...o, clientId: survivorId, updatedBy: ctx.actor.staffId, updatedAt: ctx.now.toISOString(), version: o.version + 1 };
      await ctx.services.pipeline.reparentOpportunity(tenantId, o, after, auditOf(ctx, 'opportunity', o.id, 'moved', { clientId: o.clientId }, { clientId: survivorId }));
      result.moved.opportunities += 1;
    });
  }

  // Events, 25 a transaction; one changed meanwhile sends its batch round again, read afresh.
  for (const partition of partitions) {
    await retryLostRace(async () => {
      const events = await ctx.services.pipeline.partitionEvents(tenantId, partition, merged.id);
      const moves = events.map((e): { before: CrmEvent; after: CrmEvent } => ({ before: e, after: { ...e, clientId: survivorId, version: e.version + 1 } }));
      await ctx.services.pipeline.reparentEvents(tenantId, moves);
      result.moved.events += moves.length;
    });
  }

  // Contact points, index items, what the survivor lacked; the merged client is done.
  await retryLostRace(async () => {
    const survivor = (await ctx.services.clients.get(tenantId, survivorId))!.client;
    const current = (await ctx.services.clients.get(tenantId, merged.id))!;
    if (current.mergeDone) return;
    const after = survivorAfter(survivor, current.client, { now: ctx.now, staffId: ctx.actor.staffId });
    await ctx.services.clients.finishMerge(tenantId, { before: survivor, after }, current.client, [
      auditOf(ctx, 'client', survivorId, 'updated', { client: survivor, merging: merged.id }, { client: after, merged: merged.id, closed: result.closed }),
      auditOf(ctx, 'client', merged.id, 'updated', { client: current.client }, { mergedInto: survivorId }),
    ]);
  });
}

import { authorize, inScope, policy } from '../../../domain/access/policy';
import type { Message } from '../../../domain/messages/message';
import { isOpen } from '../../../domain/pipeline/opportunity';
import { visibleClient } from './clients';
import type { UseCaseContext } from './context';

/**
 * Unread counts per staff member (#14 item 4). An inbound message raises the count of whoever
 * answers for it — the deal's assignee when it is about a deal, else the client's owner (who
 * created the client), else, for a client an integration created or whose creator has left, the
 * assignees of its open deals — once per message. Reading the thread does not clear it; marking
 * it read does.
 */
export async function noteInbound(ctx: UseCaseContext, m: Message): Promise<string[]> {
  if (m.direction !== 'inbound') return [];
  const staff = m.countedFor ?? (await responsibleFor(ctx, m));
  if (staff.length > 0) await ctx.services.unread.note(ctx.actor.tenantId, m, staff, ctx.now);
  return staff;
}

/** Who an inbound message is counted for, read when it arrives (kept on the message as `countedFor`). */
export async function responsibleFor(ctx: UseCaseContext, m: Pick<Message, 'clientId' | 'opportunityId'>): Promise<string[]> {
  const tenantId = ctx.actor.tenantId;
  if (m.opportunityId) {
    const o = await ctx.services.pipeline.getOpportunity(tenantId, m.opportunityId);
    if (o && o.clientId === m.clientId) return [o.assignedTo];
  }
  const stored = await ctx.services.clients.get(tenantId, m.clientId);
  if (!stored) return [];
  // `createdBy` is a staff id, or `integration:{connection}` / `system`, which name no staff record.
  const owner = await ctx.services.staff.get(tenantId, stored.client.createdBy);
  if (owner?.active) return [owner.staffId];
  const open = (await ctx.services.pipeline.clientOpportunities(tenantId, m.clientId)).filter(isOpen);
  return [...new Set(open.map((o) => o.assignedTo))];
}

export interface UnreadSummary {
  total: number;
  clients: { clientId: string; companyName?: string; count: number; lastAt: string }[];
}

/**
 * The caller's own unread counts, newest first, of the clients they may still see — and, of
 * those, only where one of the counted messages is one their thread would show them (a deal
 * reassigned since, a lead taken back from a warrior: the count is not shown).
 */
export async function listUnread(ctx: UseCaseContext): Promise<UnreadSummary> {
  authorize(ctx.actor, 'client:read');
  const tenantId = ctx.actor.tenantId;
  const [counts, viewer] = await Promise.all([ctx.services.unread.list(tenantId, ctx.actor.staffId), ctx.viewer()]);
  const [clients, deals] = await Promise.all([
    Promise.all(counts.map((c) => ctx.services.clients.get(tenantId, c.clientId))),
    ctx.services.pipeline.getOpportunities(tenantId, counts.flatMap((c) => c.opportunityIds)),
  ]);
  const everything = policy[viewer.role].scope === 'tenant';
  const handedOnly = viewer.role === 'warrior' || viewer.role === 'partner';
  const shown = counts.flatMap((c, i) => {
    const stored = clients[i];
    // A client merged into another: its thread is the survivor's now, counted there from here on.
    if (!stored || stored.mergedInto || !inScope(viewer, { team: stored.team })) return [];
    const seen =
      everything ||
      (c.general > 0 && !handedOnly) ||
      c.opportunityIds.some((id) => {
        const o = deals.get(id);
        return o !== undefined && o.clientId === c.clientId && inScope(viewer, o);
      });
    return seen ? [{ clientId: c.clientId, companyName: stored.client.companyName, count: c.count, lastAt: c.lastAt }] : [];
  });
  shown.sort((a, b) => (a.lastAt !== b.lastAt ? (a.lastAt > b.lastAt ? -1 : 1) : a.clientId < b.clientId ? -1 : 1));
  return { total: shown.reduce((sum, c) => sum + c.count, 0), clients: shown };
}

/** Marks the caller's count for a client read (idempotent: a second call clears nothing). 404 when they cannot see the client. */
export async function markThreadRead(ctx: UseCaseContext, clientId: string): Promise<{ clientId: string; cleared: number }> {
  const stored = await visibleClient(ctx, clientId, 'client:read');
  // An alias (a client merged into this one) clears what was counted under either id.
  const ids = [...new Set([clientId, stored.client.id])];
  const cleared = await Promise.all(ids.map((id) => ctx.services.unread.clear(ctx.actor.tenantId, ctx.actor.staffId, id)));
  return { clientId: stored.client.id, cleared: cleared.reduce((a, b) => a + b, 0) };
}

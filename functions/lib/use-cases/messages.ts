import { inScope, policy } from '../../../domain/access/policy';
import type { Channel, Message } from '../../../domain/messages/message';
import { visibleClient } from './clients';
import type { UseCaseContext } from './context';
import type { Page, PageRequest } from './ports';

/**
 * A client's messages (#14, DESIGN §11: scope rules as for the client). A caller who sees only
 * some of the client's deals (a seller, a warrior, a partner) sees the messages of those deals,
 * and — unless they only work on what was handed to them (warriors, partners) — the client's
 * messages about no deal; never a message about a deal they cannot open.
 */
export async function listMessages(ctx: UseCaseContext, clientId: string, q: PageRequest & { channel?: Channel }): Promise<Page<Message>> {
  const { client } = await visibleClient(ctx, clientId, 'client:read');
  const viewer = await ctx.viewer();
  const page = await ctx.services.messages.list(ctx.actor.tenantId, client.id, q);
  if (policy[viewer.role].scope === 'tenant') return page;
  const opportunities = await ctx.services.pipeline.clientOpportunities(ctx.actor.tenantId, client.id);
  const visible = new Set(opportunities.filter((o) => inScope(viewer, o)).map((o) => o.id));
  const handedOnly = viewer.role === 'warrior' || viewer.role === 'partner';
  return { ...page, items: page.items.filter((m) => (m.opportunityId ? visible.has(m.opportunityId) : !handedOnly)) };
}

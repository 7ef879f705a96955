import { inScope, policy } from '../../../domain/access/policy';
import { notFound } from '../../../domain/errors';
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
  const { client, mergedFrom } = await visibleClient(ctx, clientId, 'client:read');
  // Clients merged into this one (#12) keep their messages in their own partitions: the thread shows them too.
  const page = await ctx.services.messages.list(ctx.actor.tenantId, client.id, { ...q, ...(mergedFrom?.length && { mergedFrom }) });
  const visible = await messageScope(ctx, client.id);
  return { ...page, items: page.items.filter(visible) };
}

/** One message of the client's thread, if the caller may see it by the rule above (404 otherwise, as for one of another client). */
export async function visibleMessage(ctx: UseCaseContext, clientId: string, messageId: string): Promise<Message> {
  const { client, mergedFrom } = await visibleClient(ctx, clientId, 'client:read');
  const [message, visible] = await Promise.all([ctx.services.messages.get(ctx.actor.tenantId, messageId), messageScope(ctx, client.id)]);
  // A message written to a client merged into this one (#12) is of this thread now.
  const ofThread = message !== undefined && (message.clientId === client.id || (mergedFrom ?? []).includes(message.clientId));
  if (!message || !ofThread || !visible(message)) throw notFound('message', messageId);
  return message;
}

/** Which of a client's messages the caller may see: all of them for a tenant-wide role, else by their deals. */
async function messageScope(ctx: UseCaseContext, clientId: string): Promise<(m: Message) => boolean> {
  const viewer = await ctx.viewer();
  if (policy[viewer.role].scope === 'tenant') return () => true;
  const opportunities = await ctx.services.pipeline.clientOpportunities(ctx.actor.tenantId, clientId);
  const visible = new Set(opportunities.filter((o) => inScope(viewer, o)).map((o) => o.id));
  const handedOnly = viewer.role === 'warrior' || viewer.role === 'partner';
  return (m) => (m.opportunityId ? visible.has(m.opportunityId) : !handedOnly);
}

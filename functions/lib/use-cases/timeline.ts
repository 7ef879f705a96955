import { inScope, policy } from '../../../domain/access/policy';
import type { TimelineItem, TimelineType } from '../../../domain/messages/timeline';
import { visibleClient } from './clients';
import type { UseCaseContext } from './context';
import type { Page, PageRequest } from './ports';

/**
 * A client's timeline (#14 item 4, DESIGN §11): its events, messages and stage changes, newest
 * first, as the caller may see them — scope rules as for the client's thread (listMessages): an
 * item about a deal only to whoever may open that deal, an item about no deal to everyone who
 * sees the client except those who work only on what was handed to them (warriors, partners).
 */
export async function clientTimeline(ctx: UseCaseContext, clientId: string, q: PageRequest & { types: readonly TimelineType[] }): Promise<Page<TimelineItem>> {
  const stored = await visibleClient(ctx, clientId, 'client:read');
  const viewer = await ctx.viewer();
  const everything = policy[viewer.role].scope === 'tenant';
  const handedOnly = viewer.role === 'warrior' || viewer.role === 'partner';
  return ctx.services.timeline.page(ctx.actor.tenantId, stored.client.id, { ...q, ...(stored.mergedFrom && { mergedFrom: stored.mergedFrom }) }, (item, opportunity) =>
    item.opportunityId ? opportunity !== undefined && (everything || inScope(viewer, opportunity)) : everything || !handedOnly,
  );
}

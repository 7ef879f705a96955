import { followUpDoneByReply, replyDeal } from '../../../domain/messages/auto-tracking';
import { DomainError } from '../../../domain/errors';
import type { CrmEvent } from '../../../domain/events/event';
import type { Channel, Message } from '../../../domain/messages/message';
import { tenantConfig, type UseCaseContext } from './context';
import { completeEvent } from './events';

/**
 * Auto-tracking of replies (#14 item 5): which deal a client's message is about, and the planned
 * Message follow-up it does. Called by the inbound paths (WhatsApp through the connection's hook,
 * email through the parser) once the message is stored.
 */

/** The deal of the message `inReplyTo` names, else of the latest one we sent the client on `channel`. */
export async function dealOfReply(ctx: UseCaseContext, clientId: string, channel: Channel, inReplyTo: string | undefined): Promise<string | undefined> {
  const repliedTo = inReplyTo ? await ctx.services.messages.byProviderId(ctx.actor.tenantId, inReplyTo) : undefined;
  const latest = await ctx.services.messages.latest(ctx.actor.tenantId, clientId, { channel, limit: 20 });
  return replyDeal(repliedTo?.clientId === clientId ? repliedTo : undefined, latest, channel);
}

/** The reply's first 120 UTF-16 units at most, cut between characters (never inside a surrogate pair), well-formed whatever arrived. */
const snippet = (text: string) => (text.length > 120 ? `${text.slice(0, 119).replace(/[\uD800-\uDBFF]$/, '')}…` : text).toWellFormed();

/**
 * Completes the deal's due Message follow-up (domain/messages/auto-tracking.ts) with the reply as
 * its remark, audited as done by the system. Nothing when the message names no deal, none is due,
 * or the deal closed or the follow-up was completed meanwhile (the reply is still on the thread).
 */
export async function completeRepliedFollowUp(ctx: UseCaseContext, message: Message): Promise<CrmEvent | undefined> {
  if (message.direction !== 'inbound' || !message.opportunityId) return undefined;
  const { events } = await ctx.services.pipeline.clientPartition(ctx.actor.tenantId, message.clientId);
  const { settings } = await tenantConfig(ctx);
  const due = followUpDoneByReply(events, message.opportunityId, new Date(message.createdAt), settings.timeZone);
  if (!due) return undefined;
  const how = message.channel === 'email' ? 'email' : 'WhatsApp';
  try {
    const { event } = await completeEvent(ctx, due.id, { remarks: `The client replied by ${how}: ${snippet(message.text.trim() || message.subject || '(no text)')}` }, due.version);
    return event;
  } catch (error) {
    if (error instanceof DomainError && (error.kind === 'conflict' || error.kind === 'not_found')) return undefined;
    throw error;
  }
}

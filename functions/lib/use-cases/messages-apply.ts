import { DomainError } from '../../../domain/errors';
import type { MessageRecord, MessageStatusRecord } from '../../../domain/integrations/canonical';
import type { Connection, RecordOutcome } from '../../../domain/integrations/connection';
import { withStatus, type Message } from '../../../domain/messages/message';
import { consentFromMessage } from '../../../domain/messages/whatsapp/consent';
import { ids } from '../ids';
import { completeRepliedFollowUp, dealOfReply } from './auto-tracking';
import type { UseCaseContext } from './context';
import { noteInbound, responsibleFor } from './unread';

/**
 * WhatsApp arriving through the connection's hook (#14): a client's message joins their thread
 * (found by their number; a number no client has is left unassigned, said in the delivery's
 * outcomes), once per wamid however often Meta redelivers; a status moves the message we sent
 * forward only (domain/messages/message.ts withStatus).
 */
/** A connection's word list as stored (connections made before the setting existed have none). */
const wordsOf = (v: unknown): string[] => (Array.isArray(v) ? v.filter((w): w is string => typeof w === 'string') : []);

export async function applyInboundMessage(ctx: UseCaseContext, conn: Connection, r: MessageRecord): Promise<RecordOutcome> {
  const base = { type: r.type, externalId: r.externalId };
  const known = await ctx.services.messages.byProviderId(ctx.actor.tenantId, r.externalId);
  if (known) {
    // Stored by a run that stopped before counting it unread: counted now (once per message, however often it comes).
    await noteInbound(ctx, known);
    return { ...base, outcome: 'unchanged' };
  }
  const clientId = await ctx.services.clients.lookup(ctx.actor.tenantId, { on: 'mobile', value: r.data.from });
  if (!clientId) return { ...base, outcome: 'ignored', message: `no client has ${r.data.from}: unassigned` };
  // The deal it answers (the quoted message's, else the last one we sent): its due Message follow-up is done.
  const opportunityId = await dealOfReply(ctx, clientId, 'whatsapp', r.data.replyTo);
  const message: Message = {
    id: ids.message(clientId),
    clientId,
    ...(opportunityId && { opportunityId }),
    channel: 'whatsapp',
    direction: 'inbound',
    from: r.data.from,
    to: [typeof conn.settings.phoneNumberId === 'string' ? conn.settings.phoneNumberId : 'whatsapp'],
    text: r.data.text,
    attachments: r.data.attachments,
    providerMessageId: r.externalId,
    ...(r.data.replyTo && { inReplyTo: r.data.replyTo }),
    status: 'received',
    statusAt: r.data.at,
    createdBy: 'system',
    createdAt: r.data.at,
    version: 1,
  };
  message.countedFor = await responsibleFor(ctx, message);
  try {
    await ctx.services.messages.create(ctx.actor.tenantId, message);
  } catch (error) {
    // Meta delivered it twice at once: the other delivery stored it.
    if (error instanceof DomainError && error.code === 'duplicate_message') return { ...base, outcome: 'unchanged', clientId };
    throw error;
  }
  await completeRepliedFollowUp(ctx, message);
  // The deal's assignee (else the client's owner) has one more unread message from this client.
  await noteInbound(ctx, message);
  // STOP (and the tenant's words) blocks WhatsApp sends until START: recorded with its time and message.
  const consent = consentFromMessage(r.data.text, { optOut: wordsOf(conn.settings.optOutWords), optIn: wordsOf(conn.settings.optInWords) }, { at: r.data.at, waMessageId: r.externalId });
  if (consent) await ctx.services.messages.putConsent(ctx.actor.tenantId, clientId, 'whatsapp', consent);
  return { ...base, outcome: 'created', clientId, ...(consent && { message: consent.status === 'opted_out' ? 'the client opted out of WhatsApp' : 'the client opted in to WhatsApp again' }) };
}

export async function applyMessageStatus(ctx: UseCaseContext, r: MessageStatusRecord): Promise<RecordOutcome> {
  const base = { type: r.type, externalId: r.externalId };
  const before = await ctx.services.messages.byProviderId(ctx.actor.tenantId, r.externalId);
  if (!before) return { ...base, outcome: 'ignored', message: 'no message of ours has this id' };
  const after = withStatus(before, r.data.status, r.data.at, r.data.error);
  if (!after) return { ...base, outcome: 'unchanged', clientId: before.clientId };
  await ctx.services.messages.save(ctx.actor.tenantId, before, after);
  return { ...base, outcome: 'updated', clientId: before.clientId };
}

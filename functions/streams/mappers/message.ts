import { messageReceived, messageSent, messageStatusChanged } from '../../../events/catalog';
import { eventOf, snapshotOf, text, type ItemMapper } from './mapper';

/**
 * Message items (#14) → message.sent (an outbound message stored once the provider took it),
 * message.received (an inbound one joined to a thread) and message.status_changed (a status moved
 * forward: delivered, read, failed). Other rewrites of a message publish nothing.
 */
export const messageChanges: ItemMapper = (change) => {
  const { newItem, oldItem } = change;
  if (!newItem) return [];
  const envelope = { tenantId: newItem.tenantId, entityId: newItem.id };
  if (change.kind === 'INSERT') {
    const message = snapshotOf(newItem) as never;
    if (newItem.direction === 'inbound') return [eventOf(change, messageReceived, { ...envelope, at: newItem.createdAt, actor: 'system', data: { message } })];
    return [eventOf(change, messageSent, { ...envelope, at: newItem.createdAt, actor: text(newItem.createdBy), data: { message } })];
  }
  if (change.kind !== 'MODIFY' || !oldItem || oldItem.status === newItem.status) return [];
  return [
    eventOf(change, messageStatusChanged, {
      ...envelope,
      at: newItem.statusAt,
      actor: 'system',
      data: {
        messageId: String(newItem.id),
        clientId: String(newItem.clientId),
        ...(typeof newItem.opportunityId === 'string' && { opportunityId: newItem.opportunityId }),
        channel: newItem.channel as never,
        previousStatus: oldItem.status as never,
        status: newItem.status as never,
        ...(newItem.error !== undefined && { error: snapshotOf(newItem.error as never) as never }),
      },
    }),
  ];
};

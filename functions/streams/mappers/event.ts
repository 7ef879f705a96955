import { eventCompleted, eventMissed, eventScheduled } from '../../../events/catalog';
import { eventOf, snapshotOf, text, type ItemMapper } from './mapper';

/**
 * Follow-up event items → event.scheduled (created Pending), event.completed (created as done,
 * or moved to Completed; the Demo/Visit Completed record a scheduled demo or visit creates is
 * its own completed event, with the feedback) and event.missed (moved to Missed by the sweep).
 * Other rewrites of an event publish nothing.
 */
export const followUpChanges: ItemMapper = (change) => {
  const { newItem, oldItem } = change;
  if (!newItem) return [];
  const event = snapshotOf(newItem) as never;
  const envelope = { tenantId: newItem.tenantId, entityId: newItem.id, actor: text(newItem.updatedBy) ?? newItem.createdBy };
  if (change.kind === 'INSERT') {
    if (newItem.status === 'Completed') return [eventOf(change, eventCompleted, { ...envelope, at: newItem.completedAt, data: { event } })];
    if (newItem.status === 'Pending') return [eventOf(change, eventScheduled, { ...envelope, at: newItem.createdAt, data: { event } })];
    return [];
  }
  if (change.kind !== 'MODIFY' || !oldItem || oldItem.status === newItem.status) return [];
  if (newItem.status === 'Completed') return [eventOf(change, eventCompleted, { ...envelope, at: newItem.completedAt, data: { event } })];
  if (newItem.status === 'Missed') return [eventOf(change, eventMissed, { ...envelope, at: newItem.missedAt, data: { event } })];
  return [];
};

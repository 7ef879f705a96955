import { clientCreated, clientMerged, clientUpdated } from '../../../events/catalog';
import { changedFieldsOf, eventOf, snapshotOf, text, type ItemMapper } from './mapper';

/** Stored beside the client for access checks (who may see it) and a merge's bookkeeping, not part of the client. */
const NOT_PUBLISHED = ['links', 'mergedInto', 'mergedFrom', 'mergeState'];

/**
 * Client items (functions/lib/store/clients.dynamodb.ts) → client.created / client.updated, and
 * client.merged when a merge marks a merged client done.
 * The actor is the item's `updatedBy` (writers stamp it on every change), else its creator.
 */
export const clientChanges: ItemMapper = (change) => {
  const { newItem, oldItem } = change;
  if (change.kind === 'INSERT' && newItem) {
    const after = snapshotOf(newItem, NOT_PUBLISHED);
    return [eventOf(change, clientCreated, { tenantId: newItem.tenantId, entityId: newItem.id, at: newItem.createdAt, actor: text(newItem.updatedBy) ?? newItem.createdBy, data: { after: after as never } })];
  }
  if (change.kind === 'MODIFY' && newItem && oldItem && newItem.mergeState === 'done' && oldItem.mergeState !== 'done') {
    return [eventOf(change, clientMerged, { tenantId: newItem.tenantId, entityId: newItem.id, at: undefined, actor: newItem.updatedBy, data: { survivorId: String(newItem.mergedInto), mergedId: String(newItem.id) } })];
  }
  if (change.kind === 'MODIFY' && newItem && oldItem) {
    const before = snapshotOf(oldItem, NOT_PUBLISHED);
    const after = snapshotOf(newItem, NOT_PUBLISHED);
    const changedFields = changedFieldsOf(before, after);
    // A rewrite that changed nothing the client shows (only keys or the access links) is no event.
    if (changedFields.length === 0) return [];
    return [eventOf(change, clientUpdated, { tenantId: newItem.tenantId, entityId: newItem.id, at: newItem.updatedAt, actor: newItem.updatedBy, data: { before: before as never, after: after as never, changedFields } })];
  }
  // Clients are not deleted (no API does it); a client.deleted contract comes with the first path that does.
  return [];
};

import { staffCreated, staffDeactivated, staffUpdated } from '../../../events/catalog';
import { changedFieldsOf, eventOf, snapshotOf, text, type ItemMapper } from './mapper';

/** Staff items → staff.created, staff.deactivated (active turned false), else staff.updated (a move, a new report). */
export const staffChanges: ItemMapper = (change) => {
  const { newItem, oldItem } = change;
  if (change.kind === 'INSERT' && newItem) {
    return [eventOf(change, staffCreated, { tenantId: newItem.tenantId, entityId: newItem.staffId, at: newItem.createdAt, actor: newItem.updatedBy, data: { after: snapshotOf(newItem) as never } })];
  }
  if (change.kind !== 'MODIFY' || !newItem || !oldItem) return [];
  const before = snapshotOf(oldItem);
  const after = snapshotOf(newItem);
  const changedFields = changedFieldsOf(before, after);
  if (changedFields.length === 0) return [];
  const envelope = { tenantId: newItem.tenantId, entityId: newItem.staffId, at: text(newItem.updatedAt), actor: newItem.updatedBy };
  if (before.active === true && after.active === false) return [eventOf(change, staffDeactivated, { ...envelope, data: { before: before as never, after: after as never } })];
  return [eventOf(change, staffUpdated, { ...envelope, data: { before: before as never, after: after as never, changedFields } })];
};

import { auditRecorded } from '../../../events/catalog';
import { eventOf, snapshotOf, type ItemMapper } from './mapper';

/** Audit entries (written in the same transaction as the change they record) → audit.recorded. */
export const auditChanges: ItemMapper = (change) => {
  const item = change.newItem;
  if (change.kind !== 'INSERT' || !item) return [];
  const { scopeId, subject, ...rest } = snapshotOf(item);
  return [eventOf(change, auditRecorded, { tenantId: item.tenantId, entityId: item.id, at: item.at, actor: item.actor, data: { entry: { ...rest, entity: subject } as never, scopeId: String(scopeId) } })];
};

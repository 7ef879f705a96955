import { fitsV1 } from '../../../domain/audit/audit';
import { auditRecorded, auditRecordedV2 } from '../../../events/catalog';
import { eventOf, snapshotOf, type ItemMapper } from './mapper';

/** Audit entries (written in the same transaction as the change they record) → audit.recorded (v1 when it can carry the entry, else v2). */
export const auditChanges: ItemMapper = (change) => {
  const item = change.newItem;
  if (change.kind !== 'INSERT' || !item) return [];
  const { scopeId, subject, ...rest } = snapshotOf(item);
  const contract = fitsV1({ entity: subject as never, action: rest.action as never }) ? auditRecorded : auditRecordedV2;
  return [eventOf(change, contract, { tenantId: item.tenantId, entityId: item.id, at: item.at, actor: item.actor, data: { entry: { ...rest, entity: subject } as never, scopeId: String(scopeId) } })];
};

import { fitsV1, fitsV2 } from '../../../domain/audit/audit';
import { auditRecorded, auditRecordedV2, auditRecordedV3 } from '../../../events/catalog';
import { eventOf, snapshotOf, type ItemMapper } from './mapper';

/** Audit entries (written in the same transaction as the change they record) → audit.recorded: the oldest version that can carry the entry (v1, v2, else v3). */
export const auditChanges: ItemMapper = (change) => {
  const item = change.newItem;
  if (change.kind !== 'INSERT' || !item) return [];
  const { scopeId, subject, ...rest } = snapshotOf(item);
  const kind = { entity: subject as never, action: rest.action as never };
  const contract = fitsV1(kind) ? auditRecorded : fitsV2(kind) ? auditRecordedV2 : auditRecordedV3;
  return [eventOf(change, contract, { tenantId: item.tenantId, entityId: item.id, at: item.at, actor: item.actor, data: { entry: { ...rest, entity: subject } as never, scopeId: String(scopeId) } })];
};

import { configChanged } from '../../../events/catalog';
import { eventOf, snapshotOf, type ItemMapper } from './mapper';

/**
 * Configuration documents (products, stages, targets, a staff member's own targets: items of type
 * `config`, the document in the field named after it) and the tenant's settings (the `tenant` item) → config.changed.
 */
export const configChanges: ItemMapper = (change) => {
  const { newItem, oldItem } = change;
  if (!newItem || (change.kind !== 'INSERT' && change.kind !== 'MODIFY')) return [];
  const tenant = newItem.entity === 'tenant';
  // PRODUCTS → products; TARGETS#STAFF#tse-1 (a staff member's own targets) → targets/staff/tse-1,
  // the document in the field named after the first part (targets).
  const sk = String(newItem.sk);
  const name = tenant ? 'settings' : sk.toLowerCase().replaceAll('#', '/');
  const field = tenant ? 'settings' : sk.split('#')[0]!.toLowerCase();
  const value = (item: Record<string, unknown> | undefined) => (item ? snapshotOf(item)[field] : undefined);
  const before = value(oldItem);
  return [
    eventOf(change, configChanged, {
      tenantId: newItem.tenantId,
      entityId: name,
      at: newItem.updatedAt ?? newItem.createdAt,
      actor: newItem.updatedBy,
      data: { name, version: Number(newItem.version ?? 0), ...(before !== undefined && { before }), after: value(newItem) },
    }),
  ];
};

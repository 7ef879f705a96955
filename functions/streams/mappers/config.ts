import { configChanged } from '../../../events/catalog';
import { eventOf, snapshotOf, type ItemMapper } from './mapper';

/**
 * Configuration documents (products, stages, …: items of type `config`, the document in the field
 * named after it) and the tenant's settings (the `tenant` item) → config.changed.
 */
export const configChanges: ItemMapper = (change) => {
  const { newItem, oldItem } = change;
  if (!newItem || (change.kind !== 'INSERT' && change.kind !== 'MODIFY')) return [];
  const tenant = newItem.entity === 'tenant';
  const name = tenant ? 'settings' : String(newItem.sk).toLowerCase();
  const value = (item: Record<string, unknown> | undefined) => (item ? snapshotOf(item)[name] : undefined);
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

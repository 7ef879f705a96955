import { isDeepStrictEqual } from 'node:util';
import { ClientSnapshot, clientCreated, clientUpdated } from '../../../events/catalog';
import { eventIdOf, snapshotOf, type ItemMapper } from './mapper';

/** Stored beside the client for access checks (who may see it), not part of the client. */
const NOT_PUBLISHED = ['links'];

const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);

/**
 * Client items (functions/lib/store/clients.dynamodb.ts) → client.created / client.updated.
 * The actor is the item's `updatedBy` (writers stamp it on every change), else, for a new client,
 * its creator. A malformed item fails its contract here and the record goes to the stream's DLQ.
 */
export const clientChanges: ItemMapper = (change) => {
  const { newItem, oldItem } = change;
  if (change.kind === 'INSERT' && newItem) {
    return [
      clientCreated.create({
        eventId: eventIdOf(change, clientCreated),
        tenantId: String(newItem.tenantId ?? ''),
        entityId: String(newItem.id ?? ''),
        occurredAt: text(newItem.createdAt) ?? change.recordedAt.toISOString(),
        actor: text(newItem.updatedBy) ?? text(newItem.createdBy),
        data: { after: ClientSnapshot.parse(snapshotOf(newItem, NOT_PUBLISHED)) },
      }),
    ];
  }
  if (change.kind === 'MODIFY' && newItem && oldItem) {
    const before = snapshotOf(oldItem, NOT_PUBLISHED);
    const after = snapshotOf(newItem, NOT_PUBLISHED);
    const changedFields = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => !isDeepStrictEqual(before[k], after[k])).sort();
    // A rewrite that changed nothing the client shows (only keys or bookkeeping) is no event.
    if (changedFields.length === 0) return [];
    return [
      clientUpdated.create({
        eventId: eventIdOf(change, clientUpdated),
        tenantId: String(newItem.tenantId ?? ''),
        entityId: String(newItem.id ?? ''),
        occurredAt: text(newItem.updatedAt) ?? change.recordedAt.toISOString(),
        actor: text(newItem.updatedBy),
        data: { before: ClientSnapshot.parse(before), after: ClientSnapshot.parse(after), changedFields },
      }),
    ];
  }
  // Clients are not deleted (no API does it); a client.deleted contract comes with the first path that does.
  return [];
};

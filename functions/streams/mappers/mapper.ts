import { isDeepStrictEqual } from 'node:util';
import type { DomainEvent, EventContract } from '../../../events/contract';
import type { Item, ItemChange } from '../item-change';

/** Turns one item change into the domain events it means (often one, sometimes none). */
export type ItemMapper = (change: ItemChange) => DomainEvent[];

/**
 * The id of the event a change causes: the stream record's id and the event name, so a redelivered
 * record yields the same id (consumers dedupe on it) and a later version of the same event too.
 */
export const eventIdOf = (change: ItemChange, contract: Pick<EventContract, 'name'>) => `${change.sourceId}:${contract.name}`;

/** Table bookkeeping that is not part of any entity's published shape. */
const STORAGE_ATTRIBUTES = /^(pk|sk|gsi\d+pk|gsi\d+sk|entity|tenantId|ttl)$/;

/** An item without its storage attributes (and `omit`), as plain JSON: sets become sorted arrays. */
export function snapshotOf(item: Item, omit: readonly string[] = []): Item {
  return Object.fromEntries(Object.entries(item).filter(([name]) => !STORAGE_ATTRIBUTES.test(name) && !omit.includes(name)).map(([name, value]) => [name, plain(value)]));
}

function plain(value: unknown): unknown {
  if (value instanceof Set) return [...value].map(plain).sort();
  if (value instanceof Map) return Object.fromEntries([...value].map(([k, v]) => [k, plain(v)]));
  if (Array.isArray(value)) return value.map(plain);
  if (value && typeof value === 'object' && !(value instanceof Uint8Array)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
  return value;
}

/** Top-level fields whose value differs between two snapshots, sorted. */
export function changedFieldsOf(before: Item, after: Item): string[] {
  return [...new Set([...Object.keys(before), ...Object.keys(after)])].filter((k) => !isDeepStrictEqual(before[k], after[k])).sort();
}

export const text = (value: unknown) => (typeof value === 'string' && value.length > 0 ? value : undefined);

/**
 * One event of `contract` for a change: the envelope from the item (tenant) and the change
 * (deterministic id); `at` falls back to when DynamoDB recorded the change. A malformed item fails
 * the contract here and the stream record goes to the publisher's on-failure destination.
 */
export function eventOf<C extends EventContract>(
  change: ItemChange,
  contract: C,
  fields: { tenantId: unknown; entityId: unknown; at: unknown; actor: unknown; data: Parameters<C['create']>[0]['data'] },
): DomainEvent {
  return contract.create({
    eventId: eventIdOf(change, contract),
    tenantId: String(fields.tenantId ?? ''),
    entityId: String(fields.entityId ?? ''),
    occurredAt: text(fields.at) ?? change.recordedAt.toISOString(),
    actor: text(fields.actor),
    data: fields.data,
  });
}

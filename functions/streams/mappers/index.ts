import type { DomainEvent } from '../../../events/contract';
import type { ItemChange } from '../item-change';
import { clientChanges } from './client';
import type { ItemMapper } from './mapper';

/**
 * Which mapper reads which item, by the item's `entity` attribute. A new entity adds its contract
 * (events/catalog.ts) and its mapper here; the publisher does not change. `null` marks items that
 * publish nothing: index and uniqueness items written beside an entity, and entities whose
 * contracts are not written yet (listed so they do not warn on every write meanwhile).
 */
export const mappers: Readonly<Record<string, ItemMapper | null>> = {
  client: clientChanges,
  client_index: null,
  open_opportunity: null,
  // Not published yet: opportunity.*, event.*, opportunity.stage_changed and the rest come next.
  opportunity: null,
  event: null,
  stage_transition: null,
  audit: null,
  tenant: null,
  config: null,
  staff: null,
};

export interface MappedChange {
  events: DomainEvent[];
  /** Set when the item's entity has no entry above (worth a warning: a new item type nobody maps). */
  unmappedEntity?: string;
}

export function domainEventsOf(change: ItemChange): MappedChange {
  const entity = (change.newItem ?? change.oldItem)?.entity;
  if (typeof entity !== 'string') return { events: [], unmappedEntity: String(entity) };
  const mapper = mappers[entity];
  if (mapper === undefined) return { events: [], unmappedEntity: entity };
  return { events: mapper ? mapper(change) : [] };
}

import type { DomainEvent } from '../../../events/contract';
import type { EntityType } from '../../lib/store/items';
import type { ItemChange } from '../item-change';
import { auditChanges } from './audit';
import { clientChanges } from './client';
import { configChanges } from './config';
import { followUpChanges } from './event';
import { messageChanges } from './message';
import type { ItemMapper } from './mapper';
import { opportunityChanges, stageTransitionChanges } from './opportunity';
import { staffChanges } from './staff';

/**
 * Which mapper reads which item, by the item's `entity` attribute. A new entity adds its contract
 * (events/catalog.ts) and its mapper here; the publisher does not change. `null` marks items that
 * publish nothing: index, uniqueness and membership items written beside an entity (the CDK
 * stream mapping filters them out before they reach the publisher: NO_EVENTS).
 */
export const mappers: Readonly<Record<EntityType, ItemMapper | null>> = {
  client: clientChanges,
  client_index: null,
  open_opportunity: null,
  membership: null,
  opportunity: opportunityChanges,
  stage_transition: stageTransitionChanges,
  event: followUpChanges,
  audit: auditChanges,
  tenant: configChanges,
  config: configChanges,
  staff: staffChanges,
  // Alerts and job runs are read through the API; their events (alert.*) arrive with outbound webhooks (#15).
  alert: null,
  job_run: null,
  // Imports and exports publish through what they write (clients, opportunities, events), not as jobs.
  data_job: null,
  tenant_registry: null,
  // Integrations (#13) publish through what they write (clients, opportunities, events, audit); their own items are bookkeeping.
  connection: null,
  delivery: null,
  lead_ref: null,
  invoice: null,
  invoice_ref: null,
  counter: null,
  // Messages (#14): message.sent|received|status_changed; their index and consent items are bookkeeping.
  message: messageChanges,
  message_ref: null,
  consent: null,
  // A staff member's unread counts (#14) and the marks that count each inbound message once: read through the API.
  unread: null,
  unread_noted: null,
  // The unassigned inbox (#14): a mail becomes a message (message.received) only once attached to a thread.
  inbox_mail: null,
  inbox_attached: null,
  // Outbound webhooks (#15): subscriptions (audited as audit.recorded) and their delivery log publish nothing — a delivery of an event must not become an event.
  webhook: null,
  webhook_delivery: null,
  webhook_delivery_ref: null,
  // Saved reports (#16) hold questions, not records: nothing to publish.
  saved_report: null,
};

/** Item types that never publish anything: the stream mapping's filter drops their records. */
export const NO_EVENTS = (Object.entries(mappers) as [EntityType, ItemMapper | null][]).filter(([, m]) => m === null).map(([entity]) => entity);

export interface MappedChange {
  events: DomainEvent[];
  /** Set when the item's entity has no entry above (worth a warning: a new item type nobody maps). */
  unmappedEntity?: string;
}

export function domainEventsOf(change: ItemChange): MappedChange {
  const entity = (change.newItem ?? change.oldItem)?.entity;
  if (typeof entity !== 'string') return { events: [], unmappedEntity: String(entity) };
  const mapper = (mappers as Record<string, ItemMapper | null | undefined>)[entity];
  if (mapper === undefined) return { events: [], unmappedEntity: entity };
  return { events: mapper ? mapper(change) : [] };
}

import type { CatalogEvent } from '../../../events/catalog';
import type { Row } from './port';

/**
 * How domain events become fact rows: one projection per fact table. The loader applies every
 * projection to every event; a new fact table adds a projection here (and its DDL in schema.ts).
 * Projections copy and reshape; they hold no business rules.
 */
export interface Projection {
  table: string;
  rows(event: CatalogEvent): Row[];
}

/** ISO-8601 UTC → ClickHouse DateTime64(3) text, read as UTC by the column's time zone. */
export const toDateTime64 = (iso: string) => new Date(iso).toISOString().replace('T', ' ').replace('Z', '');

export const auditLog: Projection = {
  table: 'audit_log',
  rows: (event) => [
    {
      tenant_id: event.tenantId,
      event_id: event.eventId,
      event_type: event.type,
      event_version: event.version,
      entity: event.entity,
      entity_id: event.entityId,
      actor: event.actor ?? '',
      occurred_at: toDateTime64(event.occurredAt),
      data: JSON.stringify(event.data),
    },
  ],
};

export const projections: readonly Projection[] = [auditLog];

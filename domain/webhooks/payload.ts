import type { DomainEvent } from '../../events/contract';

/**
 * The body of an outbound webhook (DESIGN §12): the catalogue event itself — its name, version,
 * what it is about and its data as the contract publishes it (`opportunity.stage_changed` carries
 * `previousStage` and `stage`) — with `id` (the event's, the same in every delivery of it) and
 * `occurredAt`. The tenant is not in it: a subscription belongs to one tenant already.
 */
export interface WebhookPayload {
  id: string;
  type: string;
  version: number;
  occurredAt: string;
  entity: string;
  entityId: string;
  actor?: string;
  data: unknown;
}

export function webhookPayload(event: DomainEvent): WebhookPayload {
  const { eventId, type, version, occurredAt, entity, entityId, actor, data } = event;
  return { id: eventId, type, version, occurredAt, entity, entityId, ...(actor !== undefined && { actor }), data };
}

/** The exact bytes that are signed and sent. */
export const webhookBody = (event: DomainEvent) => JSON.stringify(webhookPayload(event));

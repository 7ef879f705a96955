import { z } from 'zod';
import { parseDomainEvent, type CatalogEvent } from './catalog';
import type { DomainEvent } from './contract';
import { EVENT_SOURCE } from './rules';

/**
 * How a domain event travels on the bus: published as a PutEvents entry (source = EVENT_SOURCE,
 * detail-type = contract name, detail = the event), delivered to each rule's queue as the
 * EventBridge event JSON. The EventBridge adapter and the local bus both use these two functions.
 */
export interface BusEntry {
  Source: string;
  DetailType: string;
  Detail: string;
  Time: Date;
  EventBusName?: string;
}

export function toBusEntry(event: DomainEvent, eventBusName?: string): BusEntry {
  return {
    Source: EVENT_SOURCE,
    DetailType: event.type,
    Detail: JSON.stringify(event),
    Time: new Date(event.occurredAt),
    ...(eventBusName && { EventBusName: eventBusName }),
  };
}

/** The event as EventBridge hands it to a target (an SQS message body). */
export const BusEvent = z.object({
  version: z.literal('0'),
  id: z.string().min(1),
  'detail-type': z.string().min(1),
  source: z.string().min(1),
  account: z.string(),
  time: z.string(),
  region: z.string(),
  resources: z.array(z.string()),
  detail: z.unknown(),
});
export type BusEvent = z.infer<typeof BusEvent>;

export class MalformedMessageError extends Error {
  override readonly name = 'MalformedMessageError';
}

/** An SQS message body (from an EventBridge rule) as a typed, validated domain event. */
export function parseBusMessage(body: string): CatalogEvent {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MalformedMessageError('message body is not JSON');
  }
  const parsed = BusEvent.safeParse(json);
  if (!parsed.success) throw new MalformedMessageError(`not an EventBridge event: ${z.prettifyError(parsed.error)}`);
  if (parsed.data.source !== EVENT_SOURCE) throw new MalformedMessageError(`unexpected source ${parsed.data.source}`);
  return parseDomainEvent(parsed.data['detail-type'], parsed.data.detail);
}

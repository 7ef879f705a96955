import type { DomainEvent } from '../../../events/contract';

/**
 * Where domain events are published: EventBridge in AWS, the in-process bus locally
 * (scripts/local/local-bus.ts). `publish` resolves only when every event was accepted and throws
 * otherwise, so the stream record that produced them is retried (consumers dedupe on eventId).
 */
export interface EventBus {
  publish(events: readonly DomainEvent[]): Promise<void>;
}

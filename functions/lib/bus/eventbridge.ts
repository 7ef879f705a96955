import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { toBusEntry } from '../../../events/bus';
import type { DomainEvent } from '../../../events/contract';
import type { EventBus } from './event-bus';
import { traced } from '../observability';

/** PutEvents takes at most 10 entries per call. */
const MAX_ENTRIES = 10;

export class EventPublishError extends Error {
  override readonly name = 'EventPublishError';
  constructor(readonly failures: { eventId: string; code?: string; message?: string }[]) {
    super(`EventBridge refused ${failures.length} event(s): ${failures.map((f) => `${f.eventId} ${f.code ?? ''} ${f.message ?? ''}`.trim()).join('; ')}`);
  }
}

export class EventBridgeBus implements EventBus {
  constructor(
    private readonly client: EventBridgeClient,
    private readonly eventBusName: string,
  ) {}

  async publish(events: readonly DomainEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i += MAX_ENTRIES) {
      const chunk = events.slice(i, i + MAX_ENTRIES);
      const { FailedEntryCount = 0, Entries = [] } = await this.client.send(new PutEventsCommand({ Entries: chunk.map((e) => toBusEntry(e, this.eventBusName)) }));
      // PutEvents answers 200 with per-entry errors: a partial failure is still a failure.
      if (FailedEntryCount > 0) {
        throw new EventPublishError(
          Entries.flatMap((entry, index) => (entry.ErrorCode ? [{ eventId: chunk[index]!.eventId, code: entry.ErrorCode, ...(entry.ErrorMessage && { message: entry.ErrorMessage }) }] : [])),
        );
      }
    }
  }
}

export const createEventBridgeClient = (region: string) => traced(new EventBridgeClient({ region, maxAttempts: 3 }));

import { PutEventsCommand, type EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { toJobEntry, type JobRequest } from '../../../events/jobs';
import { pipelineConfig } from '../config';
import { createEventBridgeClient } from '../bus/eventbridge';

/**
 * Where a schedule's run puts its per-tenant job requests: EventBridge in AWS (the `jobs` rule
 * queues them), the local bus locally (scripts/local/pipeline.ts installs it).
 */
export interface JobQueue {
  request(requests: readonly JobRequest[]): Promise<void>;
}

const MAX_ENTRIES = 10;

export class EventBridgeJobQueue implements JobQueue {
  constructor(
    private readonly client: Pick<EventBridgeClient, 'send'>,
    private readonly eventBusName: string,
  ) {}

  async request(requests: readonly JobRequest[]): Promise<void> {
    for (let i = 0; i < requests.length; i += MAX_ENTRIES) {
      const chunk = requests.slice(i, i + MAX_ENTRIES);
      const { FailedEntryCount = 0, Entries = [] } = await this.client.send(new PutEventsCommand({ Entries: chunk.map((r) => toJobEntry(r, this.eventBusName)) }));
      if (FailedEntryCount > 0) {
        const failed = Entries.flatMap((e, k) => (e.ErrorCode ? [`${chunk[k]!.tenantId}: ${e.ErrorCode}`] : []));
        throw new Error(`EventBridge refused ${FailedEntryCount} job request(s): ${failed.join('; ')}`);
      }
    }
  }
}

let queue: JobQueue | undefined;

export function getJobQueue(): JobQueue {
  if (!queue) {
    const cfg = pipelineConfig();
    if (cfg.EVENT_BUS_MODE === 'local') throw new Error('EVENT_BUS_MODE=local but no local job queue is installed (scripts/local/pipeline.ts installs it)');
    if (!cfg.EVENT_BUS_NAME) throw new Error('EVENT_BUS_NAME is required to request jobs');
    queue = new EventBridgeJobQueue(createEventBridgeClient(cfg.AWS_REGION), cfg.EVENT_BUS_NAME);
  }
  return queue;
}

export function installJobQueue(local: JobQueue | undefined): void {
  queue = local;
}

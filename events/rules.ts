/**
 * EventBridge rules, declared once: the CDK events stack creates each rule with an SQS queue
 * (and DLQ) feeding the target Lambda, and the local bus evaluates the same patterns in-process.
 */
export const EVENT_SOURCE = 'crm.core';

export interface EventPattern {
  source?: string[];
  'detail-type'?: string[];
  detail?: Record<string, unknown>;
}

export interface RuleDefinition {
  /** Stable id, also the construct id and the local dead-letter file name. */
  name: string;
  description: string;
  eventPattern: EventPattern;
  /** Queue consumer; its module exports `handler` (an SQS handler reporting batch item failures). */
  target: {
    entry: string;
    batchSize: number;
    maxReceiveCount: number;
    /**
     * At most this many concurrent invocations of the consumer (the SQS mapping's
     * MaximumConcurrency, 2–1000); unset: as many as Lambda scales to.
     */
    maxConcurrency?: number;
  };
}

export const rules: readonly RuleDefinition[] = [
  {
    name: 'analytics-loader',
    description: 'Every domain event, loaded into ClickHouse as facts (audit log and friends).',
    eventPattern: { source: [EVENT_SOURCE] },
    // Five at a time: ClickHouse wants few, large inserts (each one is a part to merge), and five
    // batches of 100 in flight keep up with the bus while bounding the parts and the connections.
    target: { entry: 'functions/queues/analytics-loader.ts', batchSize: 100, maxReceiveCount: 5, maxConcurrency: 5 },
  },
  {
    name: 'jobs',
    description: 'Scheduled jobs, one tenant per message (events/jobs.ts): the missed sweep, daily tasks, the nightly gap analysis and email.',
    eventPattern: { source: ['crm.jobs'], 'detail-type': ['job.requested'] },
    // One tenant's run per invocation; a failed run (an email SES refused) comes back and resumes
    // where it stopped: what it did is recorded.
    target: { entry: 'functions/queues/jobs.ts', batchSize: 1, maxReceiveCount: 5, maxConcurrency: 4 },
  },
  {
    name: 'webhooks',
    description: 'Every domain event, fanned out to the outbound webhooks (#15) of its tenant that take it: one delivery per subscription, queued for the sender.',
    eventPattern: { source: [EVENT_SOURCE] },
    // A record is a cached read of the tenant's subscriptions plus one write and one send per
    // match: 25 a batch keeps the bus's pace with few invocations; ten at a time bound what the
    // fan-out takes of the table's capacity (the sender, not this, talks to receivers).
    target: { entry: 'functions/queues/webhooks-fanout.ts', batchSize: 25, maxReceiveCount: 5, maxConcurrency: 10 },
  },
];

/** The DynamoDB stream consumer that turns item changes into domain events (the outbox). */
export const streamPublisher = {
  entry: 'functions/streams/publish-domain-events.ts',
  batchSize: 100,
  retryAttempts: 5,
  bisectBatchOnError: true,
  maxBatchingWindowSeconds: 1,
  /**
   * A record still unpublished after 6 h goes to the on-failure queue instead of being retried
   * on. The stream keeps records 24 h and the on-failure queue holds only pointers to them, so a
   * pointer is replayable (`npm run replay`) only while its record is still in the stream: 6 h
   * for the publisher to recover by itself (a bus outage, a bad deploy rolled back) leaves 18 h,
   * a night and a working day, to replay what it could not. At 24 h every pointer would arrive
   * already expired.
   */
  maxRecordAgeSeconds: 6 * 60 * 60,
} as const;

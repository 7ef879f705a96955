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
  target: { entry: string; batchSize: number; maxReceiveCount: number };
}

export const rules: readonly RuleDefinition[] = [
  {
    name: 'analytics-loader',
    description: 'Every domain event, loaded into ClickHouse as facts (audit log and friends).',
    eventPattern: { source: [EVENT_SOURCE] },
    target: { entry: 'functions/queues/analytics-loader.ts', batchSize: 100, maxReceiveCount: 5 },
  },
];

/** The DynamoDB stream consumer that turns item changes into domain events (the outbox). */
export const streamPublisher = {
  entry: 'functions/streams/publish-domain-events.ts',
  batchSize: 100,
  retryAttempts: 5,
  bisectBatchOnError: true,
  maxBatchingWindowSeconds: 1,
} as const;

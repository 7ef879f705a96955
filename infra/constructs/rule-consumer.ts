import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import type { RuleDefinition } from '../../events/rules';
import { CrmFunction } from './crm-function';
import { CrmDeadLetterQueue, CrmQueue } from './crm-queue';

/** Queue and stream consumers get longer than HTTP handlers: a batch of up to 100 records. */
export const consumerTimeout = Duration.seconds(30);

// Batches above 10 records need a batching window; 1 s keeps inside the 2 s "write visible in
// dashboards" budget (DESIGN §7).
const maxBatchingWindow = Duration.seconds(1);

export interface RuleConsumerProps {
  /** The bus the rule listens on; may live in another stack (it is referenced by name). */
  readonly bus: events.IEventBus;
  readonly rule: RuleDefinition;
  /** The consumer's timeout (default 30 s); the queue's visibility timeout is six times it. */
  readonly timeout?: Duration;
}

/** One rule of events/rules.ts: rule → queue (with DLQ) → consumer Lambda reporting partial failures. */
export class RuleConsumer extends Construct {
  readonly queue: CrmQueue;
  readonly deadLetterQueue: CrmDeadLetterQueue;
  readonly consumer: CrmFunction;
  /** The queue → consumer mapping, for stacks that order it after other resources. */
  readonly mapping: lambda.EventSourceMapping;

  constructor(scope: Construct, id: string, { bus, rule, timeout = consumerTimeout }: RuleConsumerProps) {
    super(scope, id);
    const { entry, batchSize, maxReceiveCount, maxConcurrency } = rule.target;

    this.deadLetterQueue = new CrmDeadLetterQueue(this, 'DeadLetterQueue');
    this.queue = new CrmQueue(this, 'Queue', {
      // AWS guidance: six times the function timeout, so a batch retried after throttling is not
      // redelivered while it is still being processed.
      visibilityTimeout: Duration.seconds(timeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount },
    });

    new events.Rule(this, 'Rule', {
      eventBus: bus,
      description: rule.description,
      // The manifest uses EventBridge's own key names ('detail-type'), which CDK passes through as-is.
      eventPattern: rule.eventPattern,
      // Events EventBridge cannot deliver (e.g. the queue is unavailable) land in the same DLQ.
      targets: [new targets.SqsQueue(this.queue, { deadLetterQueue: this.deadLetterQueue })],
    });

    this.consumer = new CrmFunction(this, 'Consumer', { entry, description: rule.description, timeout });
    this.consumer.lambda.addEventSource(
      new SqsEventSource(this.queue, { batchSize, maxBatchingWindow, reportBatchItemFailures: true, ...(maxConcurrency !== undefined && { maxConcurrency }) }),
    );
    const mappings = this.consumer.lambda.node.children.filter((c): c is lambda.EventSourceMapping => c instanceof lambda.EventSourceMapping);
    if (mappings.length !== 1) throw new Error(`${this.node.path}: expected one event source mapping, found ${mappings.length}`);
    this.mapping = mappings[0]!;
  }
}

import { Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq, SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { rules as ruleManifest, streamPublisher, type RuleDefinition } from '../../events/rules';
import { bindBus, CrmFunction } from '../constructs/crm-function';
import { CrmDeadLetterQueue, CrmQueue } from '../constructs/crm-queue';

/** Queue consumers get longer than HTTP handlers: a batch of up to 100 records. */
const consumerTimeout = Duration.seconds(30);

// Batches above 10 records need a batching window; 1 s keeps inside the 2 s "write visible in
// dashboards" budget (DESIGN §7).
const maxBatchingWindow = Duration.seconds(1);

export interface RuleConsumerProps {
  readonly bus: events.IEventBus;
  readonly rule: RuleDefinition;
}

/** One rule of events/rules.ts: rule → queue (with DLQ) → consumer Lambda reporting partial failures. */
export class RuleConsumer extends Construct {
  readonly queue: CrmQueue;
  readonly deadLetterQueue: CrmDeadLetterQueue;
  readonly consumer: CrmFunction;

  constructor(scope: Construct, id: string, { bus, rule }: RuleConsumerProps) {
    super(scope, id);
    const { entry, batchSize, maxReceiveCount } = rule.target;

    this.deadLetterQueue = new CrmDeadLetterQueue(this, 'DeadLetterQueue');
    this.queue = new CrmQueue(this, 'Queue', {
      // AWS guidance: six times the function timeout, so a batch retried after throttling is not
      // redelivered while it is still being processed.
      visibilityTimeout: Duration.seconds(consumerTimeout.toSeconds() * 6),
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

    this.consumer = new CrmFunction(this, 'Consumer', { entry, description: rule.description, timeout: consumerTimeout });
    this.consumer.lambda.addEventSource(
      new SqsEventSource(this.queue, { batchSize, maxBatchingWindow, reportBatchItemFailures: true }),
    );
  }
}

export interface EventsStackProps extends StackProps {
  /** The single table; its stream feeds the publisher. */
  readonly table: ITable;
}

/**
 * The event backbone (DESIGN §1): the table's stream → publisher → custom bus → one queue and
 * consumer per rule of events/rules.ts.
 */
export class EventsStack extends Stack {
  readonly bus: events.EventBus;
  readonly consumers: RuleConsumer[];
  readonly publisher: CrmFunction;

  constructor(scope: Construct, id: string, props: EventsStackProps) {
    super(scope, id, props);

    this.bus = new events.EventBus(this, 'Bus', { description: 'CRM domain events' });
    this.consumers = ruleManifest.map((rule) => new RuleConsumer(this, rule.name, { bus: this.bus, rule }));
    this.publisher = this.createStreamPublisher(props.table);
  }

  private createStreamPublisher(table: ITable): CrmFunction {
    const { entry, batchSize, retryAttempts, bisectBatchOnError, maxBatchingWindowSeconds } = streamPublisher;
    const publisher = new CrmFunction(this, 'StreamPublisher', {
      entry,
      description: 'Turns table changes into domain events on the bus (the outbox).',
      timeout: consumerTimeout,
    });
    bindBus(publisher, this.bus);

    // Records that still fail after the retries (bisecting down to the poison record) are noted
    // here as shard and sequence-number pointers, not payloads: they can be re-read from the
    // stream within its 24 h retention.
    const onFailure = new CrmDeadLetterQueue(this, 'StreamPublisherDeadLetterQueue');
    Validations.of(onFailure).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason: 'This queue is itself the on-failure destination of the stream publisher; it needs no DLQ of its own.',
    });

    publisher.lambda.addEventSource(
      new DynamoEventSource(table, {
        startingPosition: lambda.StartingPosition.TRIM_HORIZON,
        batchSize,
        retryAttempts,
        bisectBatchOnError,
        reportBatchItemFailures: true,
        maxBatchingWindow: Duration.seconds(maxBatchingWindowSeconds),
        onFailure: new SqsDlq(onFailure),
      }),
    );
    Validations.of(publisher).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'dynamodb:ListStreams, granted with the stream read, supports no resource-level permissions.',
    });
    return publisher;
  }
}

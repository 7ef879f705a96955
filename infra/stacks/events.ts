import { Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { DynamoEventSource, SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { Construct } from 'constructs';
import { EVENT_SOURCE, streamPublisher, type RuleDefinition } from '../../events/rules';
import { NO_EVENTS } from '../../functions/streams/mappers';
import { bindBus, CrmFunction } from '../constructs/crm-function';
import { CrmDeadLetterQueue } from '../constructs/crm-queue';
import { consumerTimeout, RuleConsumer } from '../constructs/rule-consumer';

export { RuleConsumer, type RuleConsumerProps } from '../constructs/rule-consumer';

/**
 * What the stream mapping lets through to the publisher (Lambda event filtering, OR-ed):
 * - every INSERT and MODIFY (the records with a new image) whose new image is of an item type that publishes something, i.e. not
 *   one of NO_EVENTS (index, open-slot and membership items, written beside their entity in the
 *   same transaction: about half of all writes, which would otherwise each cost an invocation
 *   for nothing). `anything-but` needs the attribute: an item without `entity` (none is written
 *   so) is dropped too, rather than reaching the publisher's "no event mapper" warning;
 * - REMOVE records, which have no new image, only when the old image is of a type that publishes.
 *   No mapper publishes on REMOVE today and every delete the store makes is of a NO_EVENTS item,
 *   so this passes nothing now; it is there so that a future `*.deleted` mapper needs no change
 *   here, and a deletion of a real entity is never dropped unseen.
 * Records filtered out are simply not delivered: they are neither retried nor dead-lettered.
 */
export function streamPublisherFilters(): Record<string, unknown>[] {
  const publishing = { S: [{ 'anything-but': [...NO_EVENTS] }] };
  return [
    { dynamodb: { NewImage: { entity: publishing } } },
    { eventName: ['REMOVE'], dynamodb: { OldImage: { entity: publishing } } },
  ].map((pattern) => lambda.FilterCriteria.filter(pattern));
}

export interface EventsStackProps extends StackProps {
  /** The single table; its stream feeds the publisher. */
  readonly table: ITable;
  /**
   * The rules whose queue and consumer live here. The analytics loader's rule is not among them:
   * the analytics stack owns that consumer (see infra/stacks/analytics.ts).
   */
  readonly rules: readonly RuleDefinition[];
}

/**
 * The event backbone (DESIGN §1): the table's stream → publisher → custom bus → one queue and
 * consumer per rule it is given.
 */
export class EventsStack extends Stack {
  readonly bus: events.EventBus;
  readonly archive: events.Archive;
  readonly consumers: RuleConsumer[];
  readonly publisher: CrmFunction;
  readonly publisherMapping: lambda.EventSourceMapping;
  /** Where the stream mapping puts what the publisher could not handle after its retries. */
  readonly publisherFailures: CrmDeadLetterQueue;

  constructor(scope: Construct, id: string, props: EventsStackProps) {
    super(scope, id, props);

    this.bus = new events.EventBus(this, 'Bus', { description: 'CRM domain events' });
    // Every domain event, kept a year: a consumer that was down or wrong is replayed from here
    // (README, Replaying from the archive). Job requests are not history and are left out.
    this.archive = this.bus.archive('Archive', { archiveName: `${this.stackName}-domain-events`, description: 'Every crm.core domain event, for replay', eventPattern: { source: [EVENT_SOURCE] }, retention: Duration.days(365) });
    this.consumers = props.rules.map((rule) => new RuleConsumer(this, rule.name, { bus: this.bus, rule }));
    ({ publisher: this.publisher, mapping: this.publisherMapping, onFailure: this.publisherFailures } = this.createStreamPublisher(props.table));
  }

  private createStreamPublisher(table: ITable): { publisher: CrmFunction; mapping: lambda.EventSourceMapping; onFailure: CrmDeadLetterQueue } {
    const { entry, batchSize, retryAttempts, bisectBatchOnError, maxBatchingWindowSeconds, maxRecordAgeSeconds } = streamPublisher;
    const publisher = new CrmFunction(this, 'StreamPublisher', {
      entry,
      description: 'Turns table changes into domain events on the bus (the outbox).',
      timeout: consumerTimeout,
    });
    bindBus(publisher, this.bus);

    // Records that still fail after the retries (bisecting down to the poison record), or that
    // grew older than maxRecordAge, are noted here as shard and sequence-number pointers, not
    // payloads: they can be re-read from the stream within its 24 h retention.
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
        maxRecordAge: Duration.seconds(maxRecordAgeSeconds),
        filters: streamPublisherFilters(),
        onFailure: new SqsDlq(onFailure),
      }),
    );
    Validations.of(publisher).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason: 'dynamodb:ListStreams, granted with the stream read, supports no resource-level permissions.',
    });
    const mapping = publisher.lambda.node.children.find((c): c is lambda.EventSourceMapping => c instanceof lambda.EventSourceMapping);
    if (!mapping) throw new Error('the stream publisher has no event source mapping');
    return { publisher, mapping, onFailure };
  }
}

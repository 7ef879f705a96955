// First: the tracer patches the SDK clients and HTTPS before anything creates one.
import '../lib/tracing';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, DynamoDBBatchResponse, DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { getEventBus } from '../lib/bus';
import { logger } from '../lib/logger';
import { count, flushMetrics } from '../lib/observability';
import { itemChangeOf } from './item-change';
import { domainEventsOf } from './mappers';

/**
 * The outbox relay (DESIGN §1): each table change becomes zero or more domain events on the bus.
 * Records are handled in stream order; event ids derive from the stream record, so a retried
 * record republishes the same ids and consumers dedupe.
 */
const processor = new BatchProcessor(EventType.DynamoDBStreams, { logger });

async function publishChange(record: DynamoDBRecord): Promise<void> {
  const { events, unmappedEntity } = domainEventsOf(itemChangeOf(record));
  if (unmappedEntity !== undefined) logger.warn('stream item has no event mapper', { entity: unmappedEntity, eventID: record.eventID });
  if (events.length === 0) return;
  await getEventBus().publish(events);
  count('DomainEventsPublished', events.length);
}

export const handler = async (event: DynamoDBStreamEvent, context: Context): Promise<DynamoDBBatchResponse> => {
  // After a failure, later records are not published in this invocation: the retry restarts at the
  // failed record (ReportBatchItemFailures), so publishing them now would only reorder them. When
  // the first record fails the whole batch has, and Powertools throws: the mapping then bisects the
  // batch (BisectBatchOnFunctionError), so a poison record ends up alone in the on-failure queue.
  let failed = false;
  const inOrder = async (record: DynamoDBRecord) => {
    if (failed) throw new Error('not attempted: an earlier record of the batch failed');
    try {
      await publishChange(record);
    } catch (error) {
      failed = true;
      throw error;
    }
  };
  try {
    return await processPartialResponse(event, inOrder, processor, { context, processInParallel: false });
  } finally {
    flushMetrics();
  }
};

// First: the tracer patches the SDK clients and HTTPS before anything creates one.
import '../lib/tracing';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { InboundMessage } from '../lib/integrations/inbound-queue';
import { logger } from '../lib/logger';
import { flushMetrics } from '../lib/observability';
import { getServices } from '../lib/services';
import { processDelivery } from '../lib/use-cases/inbound';

/**
 * The inbound queue (DESIGN §9): one stored delivery per message, processed once — a message
 * delivered twice finds the delivery no longer queued. A provider API that may come back is
 * retried through the queue's redelivery; the last receive fails the delivery with its reason.
 * A malformed message is dropped (logged), not retried: nothing will ever make it readable.
 */
const processor = new BatchProcessor(EventType.SQS, { logger });

const run = async (record: SQSRecord) => {
  const parsed = InboundMessage.safeParse(JSON.parse(record.body));
  if (!parsed.success) {
    logger.error('inbound message unreadable: dropped', { messageId: record.messageId });
    return;
  }
  const started = performance.now();
  await processDelivery(getServices(), parsed.data, Number(record.attributes.ApproximateReceiveCount), new Date());
  logger.info('delivery processed', { ...parsed.data, ms: Math.round(performance.now() - started) });
};

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  try {
    return await processPartialResponse(event, run, processor, { context, throwOnFullBatchFailure: false });
  } finally {
    flushMetrics();
  }
};

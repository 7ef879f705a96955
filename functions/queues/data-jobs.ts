// First: the tracer patches the SDK clients and HTTPS before anything creates one.
import '../lib/tracing';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DataJobMessage } from '../lib/files/data-queue';
import { logger } from '../lib/logger';
import { flushMetrics } from '../lib/observability';
import { getServices } from '../lib/services';
import { runDataJobStep } from '../lib/use-cases/data-jobs';

/**
 * The data queue: one step of an import or export per message (functions/lib/files/data-queue.ts).
 * A step that throws (the store unreachable) comes back after the visibility timeout and runs
 * again; what it had written is found, not repeated.
 */
const processor = new BatchProcessor(EventType.SQS, { logger });

const run = async (record: SQSRecord) => {
  const message = DataJobMessage.parse(JSON.parse(record.body));
  const started = performance.now();
  await runDataJobStep(getServices(), message);
  logger.info('data job step', { ...message, ms: Math.round(performance.now() - started) });
};

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  try {
    return await processPartialResponse(event, run, processor, { context, throwOnFullBatchFailure: false });
  } finally {
    flushMetrics();
  }
};

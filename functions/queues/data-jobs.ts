// First: the tracer patches the SDK clients and HTTPS before anything creates one.
import '../lib/tracing';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { DATA_MAX_RECEIVES, DataJobMessage } from '../lib/files/data-queue';
import { logger } from '../lib/logger';
import { flushMetrics } from '../lib/observability';
import { getServices } from '../lib/services';
import { failDataJob, runDataJobStep } from '../lib/use-cases/data-jobs';

/**
 * The data queue: one step of an import or export per message (functions/lib/files/data-queue.ts).
 * A step that throws (the store unreachable) comes back after the visibility timeout and runs
 * again; what it had written is found, not repeated.
 */
const processor = new BatchProcessor(EventType.SQS, { logger });

const run = async (record: SQSRecord) => {
  const message = DataJobMessage.parse(JSON.parse(record.body));
  const started = performance.now();
  try {
    await runDataJobStep(getServices(), message);
  } catch (error) {
    // The last receive: the job fails visibly (its reason kept) instead of waiting for a step that will never come.
    if (Number(record.attributes.ApproximateReceiveCount) < DATA_MAX_RECEIVES) throw error;
    logger.error('data job step failed on its last receive', { ...message, error: error instanceof Error ? error.message : String(error) });
    await failDataJob(getServices(), message, error);
  }
  logger.info('data job step', { ...message, ms: Math.round(performance.now() - started) });
};

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  try {
    return await processPartialResponse(event, run, processor, { context, throwOnFullBatchFailure: false });
  } finally {
    flushMetrics();
  }
};

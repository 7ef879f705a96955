// First: the tracer patches the SDK clients and HTTPS before anything creates one.
import '../lib/tracing';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { MailFeedbackError, parseMailFeedback } from '../../domain/messages/mail-feedback';
import { logger } from '../lib/logger';
import { flushMetrics } from '../lib/observability';
import { getServices } from '../lib/services';
import { applyMailFeedback } from '../lib/use-cases/mail-feedback';

/**
 * SES's bounces, complaints and deliveries of client email (#14): the configuration set's SNS
 * destination, delivered raw to this queue. A record about no client message of ours (the nightly
 * email, an identity notification) is logged and done; an unreadable one is dropped (logged) —
 * nothing will ever make it readable; a save that lost a race is retried by the queue.
 */
const processor = new BatchProcessor(EventType.SQS, { logger });

const run = async (record: SQSRecord) => {
  let feedback;
  try {
    feedback = parseMailFeedback(record.body);
  } catch (error) {
    if (!(error instanceof MailFeedbackError)) throw error;
    logger.error('mail feedback unreadable: dropped', { messageId: record.messageId, reason: error.message });
    return;
  }
  if (!feedback) return;
  const outcome = await applyMailFeedback(getServices(), feedback);
  logger.info('mail feedback applied', { tenantId: feedback.tenantId, message: feedback.messageId, kind: feedback.kind, outcome });
};

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  try {
    return await processPartialResponse(event, run, processor, { context, throwOnFullBatchFailure: false });
  } finally {
    flushMetrics();
  }
};

// First: the tracer patches the SDK clients and HTTPS before anything creates one.
import '../lib/tracing';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { logger } from '../lib/logger';
import { getMailer } from '../lib/mail/mailer';
import { count, flushMetrics } from '../lib/observability';
import { getServices } from '../lib/services';
import { attemptDelivery } from '../lib/use-cases/webhook-delivery';
import { createWebhookPoster } from '../lib/webhooks/http';
import { WebhookMessage } from '../lib/webhooks/queue';

/**
 * Outbound webhooks' sender (#15): one stored delivery per message, attempted if still due —
 * signed, POSTed through the SSRF-safe client (10 s), the attempt recorded, the retry queued as a
 * delayed message or a one-off schedule. Failures of the receiver are the delivery's schedule,
 * not this queue's: a message fails (and comes back) only when the store or the secrets could not
 * be read or a concurrent attempt's save won. A malformed message is dropped, logged.
 */
const processor = new BatchProcessor(EventType.SQS, { logger });
// Read once per container: set by the local stack only (npm start, tests), never in AWS.
const post = createWebhookPoster({ allowLoopback: process.env.WEBHOOKS_ALLOW_LOOPBACK === '1' });

const run = async (record: SQSRecord) => {
  const parsed = WebhookMessage.safeParse(JSON.parse(record.body));
  if (!parsed.success) {
    logger.error('webhook message unreadable: dropped', { messageId: record.messageId });
    return;
  }
  const result = await attemptDelivery({ services: getServices(), post, mail: getMailer() }, parsed.data, new Date());
  logger.info('webhook message', { ...parsed.data, ...result });
  if (result.kind === 'attempted') count(result.outcome === 'delivered' ? 'WebhookDelivered' : 'WebhookAttemptFailed');
  if (result.kind === 'attempted' && result.disabled) count('WebhookEndpointsDisabled');
};

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  try {
    return await processPartialResponse(event, run, processor, { context, throwOnFullBatchFailure: false });
  } finally {
    flushMetrics();
  }
};

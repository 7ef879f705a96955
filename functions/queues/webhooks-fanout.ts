// First: the tracer patches the SDK clients and HTTPS before anything creates one.
import '../lib/tracing';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseBusMessage } from '../../events/bus';
import { logger } from '../lib/logger';
import { count, flushMetrics } from '../lib/observability';
import { getServices } from '../lib/services';
import { cachedSubscriptions, fanOut } from '../lib/use-cases/webhook-delivery';

/**
 * Outbound webhooks' fan-out (#15, the `webhooks` rule of events/rules.ts): every domain event,
 * from whichever write path made it, becomes one delivery per matching enabled subscription of
 * its tenant, each queued for the sender. Record by record: one that fails (a malformed message,
 * the store unavailable) comes back on its own; an event fanned out twice makes no delivery twice.
 */
const processor = new BatchProcessor(EventType.SQS, { logger });
// Per container: a tenant's subscriptions are read at most every 10 s, not once per event.
let subscriptions: ReturnType<typeof cachedSubscriptions> | undefined;

const run = async (record: SQSRecord) => {
  const event = parseBusMessage(record.body);
  const { queued, existing } = await fanOut(getServices(), (subscriptions ??= cachedSubscriptions(getServices())), event, new Date());
  if (queued > 0 || existing > 0) logger.debug('event fanned out', { tenantId: event.tenantId, eventId: event.eventId, type: event.type, queued, existing });
  count('WebhookDeliveriesQueued', queued);
};

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  try {
    return await processPartialResponse(event, run, processor, { context, throwOnFullBatchFailure: false });
  } finally {
    flushMetrics();
  }
};

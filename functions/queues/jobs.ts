// First: the tracer patches the SDK clients and HTTPS before anything creates one.
import '../lib/tracing';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseJobMessage } from '../../events/jobs';
import { logger } from '../lib/logger';
import { count, flushMetrics } from '../lib/observability';
import { getMailer } from '../lib/mail/mailer';
import { getServices } from '../lib/services';
import { runJob, type JobSummary } from '../lib/use-cases/jobs';
import { nightlySender } from '../lib/use-cases/nightly';
import { scheduledReportDeps } from '../lib/use-cases/saved-reports';

/**
 * The jobs queue: one tenant's run of a scheduled job per message (events/jobs.ts). A run that
 * fails (an email SES refused) is reported and comes back; what it did is recorded, so the retry
 * does only what is left.
 */
const processor = new BatchProcessor(EventType.SQS, { logger });

const run = async (record: SQSRecord) => {
  const request = parseJobMessage(record.body);
  const started = performance.now();
  const scheduledReports = request.job === 'scheduled-reports' ? await scheduledReportDeps(getMailer()) : undefined;
  const summary = await runJob({ services: getServices(), sendNightly: nightlySender(getMailer()), ...(scheduledReports && { scheduledReports }) }, request.job, request.tenantId, new Date(request.at));
  logger.info('job run', { ...request, ms: Math.round(performance.now() - started), summary });
  count('AlertsRaised', alertsRaisedBy(summary));
};

/** Alerts a run raised (escalations are raised alerts too), whatever the job. */
const alertsRaisedBy = (summary: JobSummary): number => [summary.raised, summary.escalated].reduce<number>((n, v) => n + (typeof v === 'number' ? v : 0), 0);

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  try {
    return await processPartialResponse(event, run, processor, { context, throwOnFullBatchFailure: false });
  } finally {
    flushMetrics();
  }
};

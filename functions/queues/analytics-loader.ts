import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseBusMessage } from '../../events/bus';
import { getAnalytics, type Row } from '../lib/analytics';
import { projections } from '../lib/analytics/projections';
import { logger } from '../lib/logger';

/**
 * Every domain event → fact rows in ClickHouse (audit log and friends). Each message is parsed
 * against the catalogue on its own (a bad one is reported, the rest load); the rows of the batch
 * go in as one insert per table, as ClickHouse wants. Idempotent: the fact tables collapse a
 * replayed event id (functions/lib/analytics/schema.ts), so an SQS redelivery changes no total.
 */
const processor = new BatchProcessor(EventType.SQS, { logger });

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const rows = new Map<string, Row[]>(projections.map((p) => [p.table, []]));
  const collect = async (record: SQSRecord) => {
    const domainEvent = parseBusMessage(record.body);
    for (const projection of projections) rows.get(projection.table)!.push(...projection.rows(domainEvent));
  };
  const response = await processPartialResponse(event, collect, processor, { context });
  // An insert failure throws: the whole batch comes back and is loaded again, harmlessly.
  const analytics = await getAnalytics();
  for (const [table, tableRows] of rows) await analytics.insert(table, tableRows);
  return response;
};

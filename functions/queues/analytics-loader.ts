// First: the tracer patches the SDK clients and HTTPS before anything creates one.
import '../lib/tracing';
import { createHash } from 'node:crypto';
import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { parseBusMessage } from '../../events/bus';
import { getAnalytics, type Row } from '../lib/analytics';
import { factsOf, type FactTable } from '../lib/analytics/projections';
import { logger } from '../lib/logger';
import { count, flushMetrics } from '../lib/observability';

/**
 * Every domain event → fact rows in ClickHouse. Each message is parsed against the catalogue on
 * its own (a bad one is reported as a batch item failure, the rest load); the rows of the batch
 * go in as one insert per table. Never double-counting, under at-least-once delivery:
 * - a batch handed over again whole is not inserted again: each insert carries a deduplication
 *   token made of the table and the batch's tenant-qualified event ids;
 * - an event arriving again in another batch lands on the same natural key and collapses
 *   (ReplacingMergeTree); queries count distinct keys (functions/lib/analytics/schema.ts).
 */
const processor = new BatchProcessor(EventType.SQS, { logger });

export const handler = async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
  const rows = new Map<FactTable, Row[]>();
  const eventIds: string[] = [];
  const collect = async (record: SQSRecord) => {
    const domainEvent = parseBusMessage(record.body);
    // Stream event ids are unique within a stream only: the tenant makes the key unique everywhere
    // (a backfill's or a test history's ids repeat across tenants, and their batches must not collide).
    eventIds.push(`${domainEvent.tenantId}/${domainEvent.eventId}`);
    for (const [table, tableRows] of Object.entries(factsOf(domainEvent)) as [FactTable, Row[]][]) {
      let list = rows.get(table);
      if (!list) rows.set(table, (list = []));
      for (const row of tableRows) list.push(row);
    }
  };
  // A batch of nothing but malformed messages is reported item by item like any other (each goes
  // back, then to the dead-letter queue), not thrown: a throw would look like a loader failure.
  const response = await processPartialResponse(event, collect, processor, { context, throwOnFullBatchFailure: false });
  if (eventIds.length === 0) return response;
  // An insert failure throws: the whole batch comes back and is loaded again (the tokens of the
  // tables already inserted drop their second copy).
  const analytics = await getAnalytics();
  const batch = createHash('sha256').update(eventIds.sort().join('\n')).digest('base64url');
  // One insert at a time: run side by side on one chDB session, inserts lost rows (their per-insert
  // settings, the deduplication token among them, are the session's) — the property test caught it.
  try {
    for (const [table, tableRows] of rows) {
      await analytics.insert(table, tableRows, { deduplicationToken: `${table}:${batch}` });
      count('FactsLoaded', tableRows.length);
    }
  } catch (error) {
    // The alarm "LoaderClickHouseFailures" (infra/stacks/monitoring.ts) counts these.
    count('ClickHouseFailures');
    throw error;
  } finally {
    flushMetrics();
  }
  return response;
};

import { ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CrmEvent } from '../../../domain/events/event';
import type { Message } from '../../../domain/messages/message';
import type { Opportunity } from '../../../domain/pipeline/opportunity';
import type { StageTransition } from '../../../domain/pipeline/stage-change';
import type { Staff } from '../../../domain/staff/staff';
import { auditFromItem, fromItem, type Item } from '../store/items';
import { activityRowsOf, auditRow, creationTransition, creditRows, leadArrivalRows, messageRow, opportunityStateRow, staffRow, transitionRows } from './facts';
import type { Analytics, Row } from './port';
import type { FactRows, FactTable } from './projections';

/**
 * Rebuilds the ClickHouse facts from the table itself (`npm run backfill`): a parallel Scan, each
 * item turned into the fact rows it stands for by the same fact definitions the live path uses
 * (facts.ts), inserted in large batches. Every row lands on the natural key the live path uses, so
 * a backfill over live data changes no total, and a backfill into empty tables gives the totals
 * the live path gave (tested on the same history).
 */
export function factsOfItem(item: Item): FactRows {
  const tenantId = String(item.tenantId ?? '');
  switch (item.entity) {
    case 'opportunity':
      return { opportunity_state: [opportunityStateRow(tenantId, fromItem<Opportunity>(item))] };
    case 'stage_transition': {
      const t = fromItem<StageTransition>(item);
      return {
        stage_transitions: transitionRows(tenantId, t),
        ...(t.outcome === 'Won' && t.credit && { revenue_credits: creditRows(tenantId, { ...t, closingOwner: t.closingOwner ?? '', credit: t.credit }) }),
      };
    }
    case 'event':
      return { activities: activityRowsOf(tenantId, fromItem<CrmEvent>(item)) };
    case 'staff':
      return { staff: [staffRow(tenantId, fromItem<Staff>(item))] };
    case 'message':
      // As it stands: its status now is the one its status changes reached.
      return { messages: [messageRow(tenantId, fromItem<Message>(item))] };
    case 'audit': {
      const entry = auditFromItem(item);
      // An opportunity's creation is recorded only in its audit entry (and the event it published):
      // the stages it started with, at the value it started with; for a lead, its arrival and
      // whom it was assigned to then (the opportunity item holds the assignee now).
      const createdAs = entry.entity === 'opportunity' && entry.action === 'created' && entry.after ? (entry.after as Opportunity) : undefined;
      const created = createdAs ? transitionRows(tenantId, creationTransition(createdAs)) : [];
      const lead = createdAs ? leadArrivalRows(tenantId, createdAs) : [];
      return {
        audit_log: [auditRow(tenantId, entry, String(item.scopeId ?? ''))],
        ...(created.length > 0 && { stage_transitions: created }),
        ...(lead.length > 0 && { lead_arrivals: lead }),
      };
    }
    default:
      return {};
  }
}

export interface BackfillOptions {
  db: Pick<DynamoDBDocumentClient, 'send'>;
  tableName: string;
  analytics: Analytics;
  /** Parallel Scan segments (default 4). */
  segments?: number;
  /** Only this tenant's items. */
  tenantId?: string;
  /** Rows buffered per table before an insert (default 20,000). */
  batchRows?: number;
}

export interface BackfillResult {
  items: number;
  rows: Partial<Record<FactTable, number>>;
}

export async function backfill(opts: BackfillOptions): Promise<BackfillResult> {
  const segments = opts.segments ?? 4;
  const batchRows = opts.batchRows ?? 20_000;
  const result: BackfillResult = { items: 0, rows: {} };
  const buffers = new Map<FactTable, Row[]>();
  // One flush at a time: segments scan in parallel, inserts go out in order.
  let inserting = Promise.resolve();
  const flush = (table: FactTable) => {
    const rows = buffers.get(table) ?? [];
    buffers.set(table, []);
    if (rows.length === 0) return inserting;
    result.rows[table] = (result.rows[table] ?? 0) + rows.length;
    inserting = inserting.then(() => opts.analytics.insert(table, rows));
    return inserting;
  };
  const scanSegment = async (segment: number) => {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await opts.db.send(
        new ScanCommand({
          TableName: opts.tableName,
          Segment: segment,
          TotalSegments: segments,
          ExclusiveStartKey: start,
          ...(opts.tenantId && { FilterExpression: 'tenantId = :t', ExpressionAttributeValues: { ':t': opts.tenantId } }),
        }),
      );
      for (const item of page.Items ?? []) {
        result.items += 1;
        for (const [table, rows] of Object.entries(factsOfItem(item)) as [FactTable, Row[]][]) {
          let buffer = buffers.get(table);
          if (!buffer) buffers.set(table, (buffer = []));
          buffer.push(...rows);
          if (buffer.length >= batchRows) await flush(table);
        }
      }
      start = page.LastEvaluatedKey;
    } while (start);
  };
  await Promise.all(Array.from({ length: segments }, (_, s) => scanSegment(s)));
  for (const table of [...buffers.keys()]) await flush(table);
  await inserting;
  return result;
}

import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { CrmEvent } from '../../../domain/events/event';
import type { Message } from '../../../domain/messages/message';
import { eventItem, inTimelineOrder, messageItem, stageChangeItem, TimelinePosition, timelinePage, type TimelineItem } from '../../../domain/messages/timeline';
import type { Opportunity } from '../../../domain/pipeline/opportunity';
import type { StageTransition } from '../../../domain/pipeline/stage-change';
import { badRequest } from '../http/errors';
import type { Page, TimelineQuery, TimelineStore } from '../use-cases/ports';
import type { CursorCodec } from './cursor';
import { fromItem, type Item } from './items';
import { keys, type KeyQuery } from './keys';

/**
 * A client's timeline (#14 item 4): its events, messages and stage changes, each source read from
 * the client's partition (and those of clients merged into it) and merged newest first by the
 * domain's pure merge. Items sit at times that never change, so a page's cursor is a position in
 * that order (signed, bound to the client and the types asked for), not a DynamoDB key.
 *
 * Cost: each page reads the client's whole history — one Query per source and partition, side
 * by side — since none of the three is stored in timeline order (events by id, not by scheduled
 * time; stage changes by opportunity). A client's history is hundreds of items, not millions; a
 * client that outgrows that wants an index in timeline order, not a different API.
 */
export class TimelineRepository implements TimelineStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cursors: CursorCodec,
  ) {}

  async page(tenantId: string, clientId: string, q: TimelineQuery, keep: (item: TimelineItem, opportunity: Opportunity | undefined) => boolean): Promise<Page<TimelineItem>> {
    const scope = `${tenantId}|timeline|${clientId}|${q.types.join(',')}`;
    const after = await this.position(q.cursor, scope);
    const partitions = [clientId, ...(q.mergedFrom ?? [])];
    const wants = new Set(q.types);
    const [profiles, moves, threads] = await Promise.all([
      Promise.all(partitions.map((p) => this.all(keys.query.profile(tenantId, p)))),
      wants.has('stage_change') ? Promise.all(partitions.map((p) => this.all(keys.query.clientStageChanges(tenantId, p)))) : [],
      wants.has('message') ? Promise.all(partitions.map((p) => this.all(keys.query.clientMessages(tenantId, p)))) : [],
    ]);
    // What belongs to the client now: a merge re-points opportunities and events (their clientId), not the partition they were born in.
    const opportunities = new Map<string, Opportunity>();
    const events: TimelineItem[] = [];
    for (const item of profiles.flat()) {
      if (item.clientId !== clientId) continue;
      if (item.entity === 'opportunity') opportunities.set(item.id as string, fromItem<Opportunity>(item));
      else if (item.entity === 'event' && wants.has('event')) events.push(eventItem(fromItem<CrmEvent>(item)));
    }
    // A stage change names its opportunity alone (its clientId is the client it had then).
    const stageChanges = moves.flat().flatMap((i) => (opportunities.has(i.opportunityId as string) ? [stageChangeItem(fromItem<StageTransition>(i))] : []));
    // A message stays with the client it was written to, in its partition: those of clients merged into this one are this client's too.
    const family = new Set(partitions);
    const messages = threads.flat().flatMap((i) => (family.has(i.clientId as string) ? [messageItem(fromItem<Message>(i))] : []));
    const page = timelinePage([events, messages, stageChanges].map(inTimelineOrder), {
      limit: q.limit,
      after,
      keep: (item) => keep(item, item.opportunityId ? opportunities.get(item.opportunityId) : undefined),
    });
    const cursor = await this.cursors.encode(page.next, scope);
    return { items: page.items, ...(cursor && { cursor }) };
  }

  private async position(cursor: string | undefined, scope: string): Promise<TimelinePosition | undefined> {
    const decoded = await this.cursors.decode(cursor, scope);
    if (decoded === undefined) return undefined;
    const position = TimelinePosition.safeParse(decoded);
    // Only this class signs timeline cursors; a cursor that verifies and is no position was signed elsewhere.
    if (!position.success) throw badRequest('invalid_cursor', 'The cursor is not valid for this query.');
    return position.data;
  }

  /** Every item of a Query, page after page. */
  private async all(query: KeyQuery): Promise<Item[]> {
    const out: Item[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.db.send(new QueryCommand({ TableName: this.tableName, ...query, ConsistentRead: true, ExclusiveStartKey: start }));
      out.push(...(res.Items ?? []));
      start = res.LastEvaluatedKey;
    } while (start);
    return out;
  }
}

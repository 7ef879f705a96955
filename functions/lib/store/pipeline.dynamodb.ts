import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { BatchGetCommand, GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AuditEntry } from '../../../domain/audit/audit';
import { opportunityTeam } from '../../../domain/access/policy';
import { conflict, DomainError } from '../../../domain/errors';
import type { CrmEvent } from '../../../domain/events/event';
import type { Opportunity } from '../../../domain/pipeline/opportunity';
import type { StageTransition } from '../../../domain/pipeline/stage-change';
import { clientOf } from '../ids';
import { clientFromItem, type StoredClient } from './clients.dynamodb';
import type { CursorCodec } from './cursor';
import { failedConditions } from './errors';
import { CLIENT_SK, keys } from './keys';

type Item = Record<string, unknown>;
type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

const strip = <T>(item: Item): T => {
  const { pk: _pk, sk: _sk, gsi1pk: _a, gsi1sk: _b, gsi2pk: _c, gsi2sk: _d, entity: _e, tenantId: _t, ...rest } = item;
  return rest as T;
};

export interface Page<T> {
  items: T[];
  cursor?: string;
}

export interface ClientPartition {
  client?: StoredClient;
  opportunities: Opportunity[];
  events: CrmEvent[];
}

/**
 * Opportunities, events, stage history and audit — all in their client's partition, so each
 * single read is one GetItem and the 360 view one Query. Every write that must hold an invariant
 * together (an opportunity and its (client, product) uniqueness item, a change and its audit entry,
 * a version check) is one TransactWriteItems.
 */
export class PipelineRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cursors: CursorCodec,
  ) {}

  async getOpportunity(tenantId: string, opportunityId: string): Promise<Opportunity | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.opportunity(tenantId, clientOf(opportunityId), opportunityId), ConsistentRead: true }));
    return Item ? strip<Opportunity>(Item) : undefined;
  }

  /** Several opportunities in one BatchGetItem (ids may repeat; at most 100 distinct). */
  async getOpportunities(tenantId: string, opportunityIds: readonly string[]): Promise<Map<string, Opportunity>> {
    const unique = [...new Set(opportunityIds)];
    if (unique.length === 0) return new Map();
    const { Responses } = await this.db.send(
      new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: unique.map((id) => keys.opportunity(tenantId, clientOf(id), id)) } } }),
    );
    return new Map((Responses?.[this.tableName] ?? []).map((i) => [i.id as string, strip<Opportunity>(i)]));
  }

  async getEvent(tenantId: string, eventId: string): Promise<CrmEvent | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.event(tenantId, clientOf(eventId), eventId), ConsistentRead: true }));
    return Item ? strip<CrmEvent>(Item) : undefined;
  }

  /** The client, its opportunities and their events: one Query over the profile range of the partition. */
  async clientPartition(tenantId: string, clientId: string): Promise<ClientPartition> {
    const result: ClientPartition = { opportunities: [], events: [] };
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk BETWEEN :from AND :to',
          ExpressionAttributeValues: { ':pk': keys.clientPartition(tenantId, clientId), ':from': keys.profileRange.from, ':to': keys.profileRange.to },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) {
        if (item.sk === CLIENT_SK) result.client = clientFromItem(item);
        else if (item.entity === 'opportunity') result.opportunities.push(strip<Opportunity>(item));
        else if (item.entity === 'event') result.events.push(strip<CrmEvent>(item));
      }
      start = page.LastEvaluatedKey;
    } while (start);
    return result;
  }

  /** A new opportunity, holding the (client, product) open slot; a second open one is a 409 naming the first. */
  async createOpportunity(tenantId: string, o: Opportunity, audit: AuditEntry): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.tableName,
                Item: { ...keys.openOpportunity(tenantId, o.clientId, o.productId), entity: 'open_opportunity', opportunityId: o.id },
                ConditionExpression: 'attribute_not_exists(pk)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            this.linkTeam(tenantId, undefined, o)!,
            this.putOpportunity(tenantId, o),
            this.putAudit(tenantId, o.clientId, o.id, audit),
            ...this.memberships(tenantId, undefined, o),
          ],
        }),
      );
    } catch (error) {
      const failed = failedConditions(error);
      const slot = failed?.find((f) => f.index === 0);
      if (slot) {
        const existing = slot.item ? (unmarshall(slot.item as Record<string, AttributeValue>).opportunityId as string) : undefined;
        throw conflict('open_opportunity_exists', `The client already has an open ${o.productId} opportunity.`, { existingOpportunityId: existing });
      }
      if (failed?.some((f) => f.index === 1)) throw new DomainError('not_found', 'client_not_found', `Client ${o.clientId} was not found.`);
      throw error;
    }
  }

  /**
   * Saves a changed opportunity if nobody changed it since `expectedVersion`, with its audit entry,
   * its stage transition record, and — when it closes — the release of its (client, product) slot.
   */
  async saveOpportunity(tenantId: string, before: Opportunity, o: Opportunity, extra: { audit: AuditEntry; transition?: StageTransition }): Promise<void> {
    const items: TransactItem[] = [
      { Put: { ...this.putOpportunity(tenantId, o).Put, ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before.version } } },
      this.putAudit(tenantId, o.clientId, o.id, extra.audit),
      ...this.memberships(tenantId, before, o),
    ];
    const link = this.linkTeam(tenantId, before, o);
    if (link) items.push(link);
    if (extra.transition) {
      items.push({
        Put: {
          TableName: this.tableName,
          Item: { ...keys.transition(tenantId, o.clientId, o.id, extra.transition.seq), entity: 'stage_transition', tenantId, ...extra.transition },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      });
    }
    if (o.stage === 'Closed') {
      items.push({
        Delete: {
          TableName: this.tableName,
          Key: keys.openOpportunity(tenantId, o.clientId, o.productId),
          ConditionExpression: 'opportunityId = :id',
          ExpressionAttributeValues: { ':id': o.id },
        },
      });
    }
    await this.write(items, 'opportunity', o.id);
  }

  /** A new event (or events), refused if the opportunity closed meanwhile. */
  async createEvent(tenantId: string, e: CrmEvent, audit: AuditEntry): Promise<void> {
    await this.write(
      [
        this.openCheck(tenantId, e),
        { Put: { TableName: this.tableName, Item: this.eventItem(tenantId, e), ConditionExpression: 'attribute_not_exists(pk)' } },
        this.putAudit(tenantId, e.clientId, e.opportunityId, audit),
      ],
      'event',
      e.id,
    );
  }

  /** A completed event (and the Demo/Visit Completed record it created), if unchanged since read. */
  async saveEvent(tenantId: string, e: CrmEvent, expectedVersion: number, extra: { audit: AuditEntry[]; created?: CrmEvent; requireOpen: boolean }): Promise<void> {
    await this.write(
      [
        ...(extra.requireOpen ? [this.openCheck(tenantId, e)] : []),
        { Put: { TableName: this.tableName, Item: this.eventItem(tenantId, e), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } } },
        ...(extra.created ? [{ Put: { TableName: this.tableName, Item: this.eventItem(tenantId, extra.created), ConditionExpression: 'attribute_not_exists(pk)' } }] : []),
        ...extra.audit.map((a) => this.putAudit(tenantId, e.clientId, e.opportunityId, a)),
      ],
      'event',
      e.id,
    );
  }

  async stageHistory(tenantId: string, opportunityId: string): Promise<StageTransition[]> {
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': keys.clientPartition(tenantId, clientOf(opportunityId)), ':p': keys.transitionPrefix(opportunityId) },
        ConsistentRead: true,
      }),
    );
    return (Items ?? []).map((i) => strip<StageTransition>(i));
  }

  /** Audit entries of a client (everything in its partition) or of one opportunity, newest first. */
  async audit(tenantId: string, clientId: string, scopeId: string | undefined, page: { limit: number; cursor?: string }): Promise<Page<AuditEntry>> {
    const scope = `${tenantId}|audit|${clientId}|${scopeId ?? ''}`;
    const res = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': keys.clientPartition(tenantId, clientId), ':p': keys.auditPrefix(scopeId) },
        ScanIndexForward: false,
        Limit: page.limit,
        ExclusiveStartKey: this.cursors.decode(page.cursor, scope),
      }),
    );
    const items = (res.Items ?? []).map((i) => {
      const { scopeId: _s, subject, ...entry } = strip<Omit<AuditEntry, 'entity'> & { scopeId: string; subject: AuditEntry['entity'] }>(i);
      return { ...entry, entity: subject } as AuditEntry;
    });
    items.sort((a, b) => b.at.localeCompare(a.at) || b.id.localeCompare(a.id));
    return { items, cursor: this.cursors.encode(res.LastEvaluatedKey, scope) };
  }

  /** Opportunities a subject (staff id or partner company) is linked to, or (subject omitted) the whole tenant's. */
  async listOpportunities(tenantId: string, q: { subject?: string; stage?: string; limit: number; cursor?: string }): Promise<Page<Opportunity>> {
    const scope = `${tenantId}|opps|${q.subject ?? '*'}|${q.stage ?? '*'}`;
    const bySubject = q.subject !== undefined;
    const res = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        ...(bySubject ? {} : { IndexName: 'gsi2' }),
        KeyConditionExpression: bySubject ? 'pk = :pk AND begins_with(sk, :p)' : 'gsi2pk = :pk AND begins_with(gsi2sk, :p)',
        ExpressionAttributeValues: bySubject
          ? { ':pk': keys.membershipPartition(tenantId, q.subject!), ':p': q.stage ? `OPP#${q.stage}#` : 'OPP#' }
          : { ':pk': keys.tenantOpportunities(tenantId), ':p': q.stage ? `${q.stage}#` : '' },
        Limit: q.limit,
        ExclusiveStartKey: this.cursors.decode(q.cursor, scope),
      }),
    );
    return { items: (res.Items ?? []).map((i) => strip<Opportunity>(i)), cursor: this.cursors.encode(res.LastEvaluatedKey, scope) };
  }

  async listEvents(tenantId: string, q: { assignee?: string; status: string; from?: string; to?: string; limit: number; cursor?: string }): Promise<Page<CrmEvent>> {
    const byAssignee = q.assignee !== undefined;
    const scope = `${tenantId}|events|${q.assignee ?? '*'}|${q.status}|${q.from ?? ''}|${q.to ?? ''}`;
    const prefix = byAssignee ? `EVT#${q.status}#` : '';
    const [pkName, skName] = byAssignee ? ['gsi1pk', 'gsi1sk'] : ['gsi2pk', 'gsi2sk'];
    const res = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: byAssignee ? 'gsi1' : 'gsi2',
        KeyConditionExpression: `${pkName} = :pk AND ${skName} BETWEEN :from AND :to`,
        ExpressionAttributeValues: {
          ':pk': byAssignee ? keys.assigneePartition(tenantId, q.assignee!) : keys.tenantEvents(tenantId, q.status),
          ':from': `${prefix}${q.from ?? ''}`,
          ':to': `${prefix}${q.to ?? '9999'}~`,
        },
        Limit: q.limit,
        ExclusiveStartKey: this.cursors.decode(q.cursor, scope),
      }),
    );
    return { items: (res.Items ?? []).map((i) => strip<CrmEvent>(i)), cursor: this.cursors.encode(res.LastEvaluatedKey, scope) };
  }

  private putOpportunity(tenantId: string, o: Opportunity) {
    return { Put: { TableName: this.tableName, Item: { ...keys.opportunity(tenantId, o.clientId, o.id), ...keys.opportunityIndexes(tenantId, o), entity: 'opportunity', tenantId, ...o } as Item } };
  }

  /**
   * The opportunity's copy in the membership partition of everyone linked to it: lists are a
   * Query of one's own partition (scope by key). Copies of a previous team or stage are removed.
   */
  private memberships(tenantId: string, before: Opportunity | undefined, o: Opportunity): TransactItem[] {
    const now = new Set(opportunityTeam(o));
    const stale = before ? opportunityTeam(before).filter((s) => !now.has(s) || before.stage !== o.stage) : [];
    return [
      ...stale.map((subject) => ({ Delete: { TableName: this.tableName, Key: keys.membership(tenantId, subject, before!.stage, o.id) } })),
      ...[...now].map((subject) => ({ Put: { TableName: this.tableName, Item: { ...keys.membership(tenantId, subject, o.stage, o.id), entity: 'membership', tenantId, ...o } } })),
    ];
  }

  /**
   * Everyone on an opportunity can see its client ("their clients", DESIGN §4). The client counts,
   * per subject, the opportunities linking them to it (`links`), so taking someone off the last one
   * takes the client away too. Nothing to write when the team did not change.
   */
  private linkTeam(tenantId: string, before: Opportunity | undefined, o: Opportunity): TransactItem | undefined {
    const was = new Set(before ? opportunityTeam(before) : []);
    const now = new Set(opportunityTeam(o));
    const deltas = [...[...now].filter((s) => !was.has(s)).map((s) => [s, 1] as const), ...[...was].filter((s) => !now.has(s)).map((s) => [s, -1] as const)];
    if (deltas.length === 0) return undefined;
    return {
      Update: {
        TableName: this.tableName,
        Key: keys.client(tenantId, o.clientId),
        UpdateExpression: `SET ${deltas.map((_, i) => `links.#s${i} = if_not_exists(links.#s${i}, :zero) + :d${i}`).join(', ')}`,
        ConditionExpression: 'attribute_exists(pk)',
        ExpressionAttributeNames: Object.fromEntries(deltas.map(([subject], i) => [`#s${i}`, subject])),
        ExpressionAttributeValues: { ':zero': 0, ...Object.fromEntries(deltas.map(([, d], i) => [`:d${i}`, d])) },
      },
    };
  }

  private eventItem(tenantId: string, e: CrmEvent): Item {
    return { ...keys.event(tenantId, e.clientId, e.id), ...keys.eventIndexes(tenantId, e), entity: 'event', tenantId, ...e };
  }

  private putAudit(tenantId: string, clientId: string, scopeId: string, a: AuditEntry): TransactItem {
    // `entity` names the item type in the table; the audited entity's kind is kept as `subject`.
    const { entity: subject, ...entry } = a;
    return { Put: { TableName: this.tableName, Item: { ...keys.audit(tenantId, clientId, scopeId, a.at, a.id), entity: 'audit', tenantId, scopeId, subject, ...entry } } };
  }

  private openCheck(tenantId: string, e: CrmEvent): TransactItem {
    return {
      ConditionCheck: {
        TableName: this.tableName,
        Key: keys.opportunity(tenantId, e.clientId, e.opportunityId),
        ConditionExpression: 'attribute_exists(pk) AND #stage <> :closed',
        ExpressionAttributeNames: { '#stage': 'stage' },
        ExpressionAttributeValues: { ':closed': 'Closed' },
      },
    };
  }

  /** One transaction; a failed version or state check becomes a 409 the caller can retry after re-reading. */
  private async write(items: TransactItem[], what: string, id: string): Promise<void> {
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      if (failedConditions(error)?.length) {
        throw conflict('concurrent_update', `The ${what} ${id} changed while this request ran; read it again and retry.`);
      }
      throw error;
    }
  }
}

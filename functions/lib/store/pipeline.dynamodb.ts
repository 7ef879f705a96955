import { BatchGetCommand, GetCommand, QueryCommand, type BatchGetCommandInput, type BatchGetCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { opportunityTeam } from '../../../domain/access/policy';
import type { Invoice } from '../../../domain/integrations/records';
import type { AuditEntry } from '../../../domain/audit/audit';
import { conflict, DomainError, notFound } from '../../../domain/errors';
import { clientMerged } from '../../../domain/clients/merge';
import type { CrmEvent } from '../../../domain/events/event';
import { openSlotChange } from '../../../domain/pipeline/open-slot';
import { isOpen, type Opportunity } from '../../../domain/pipeline/opportunity';
import type { StageTransition } from '../../../domain/pipeline/stage-change';
import type { Staff } from '../../../domain/staff/staff';
import { clientOf } from '../ids';
import type { AuditQuery, ClientPartition, Page, PageRequest, PipelineStore } from '../use-cases/ports';
import type { CursorCodec } from './cursor';
import { actorGuard, auditFromItem, auditItem, clientFromItem, fromItem, queryKept, queryPage, staffUnchanged, toItem, transact, type Item, type TransactItem, type Write } from './items';
import { keys } from './keys';

/**
 * Opportunities, events, stage history and audit — all in their client's partition, so each
 * single read is one GetItem and the 360 view one Query. Every write that must hold an invariant
 * together (an opportunity and its (client, product) open slot, a change and its audit entry,
 * a version check) is one TransactWriteItems.
 */
export class PipelineRepository implements PipelineStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cursors: CursorCodec,
  ) {}

  async getOpportunity(tenantId: string, opportunityId: string): Promise<Opportunity | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.opportunity(tenantId, clientOf(opportunityId), opportunityId), ConsistentRead: true }));
    return Item ? fromItem<Opportunity>(Item) : undefined;
  }

  /** Several opportunities by id (ids may repeat): one BatchGetItem per 100, asking again for keys left unprocessed. */
  async getOpportunities(tenantId: string, opportunityIds: readonly string[]): Promise<Map<string, Opportunity>> {
    const unique = [...new Set(opportunityIds)];
    const found = new Map<string, Opportunity>();
    for (let i = 0; i < unique.length; i += 100) {
      let request: BatchGetCommandInput['RequestItems'] = { [this.tableName]: { Keys: unique.slice(i, i + 100).map((id) => keys.opportunity(tenantId, clientOf(id), id)) } };
      while (request && Object.keys(request).length > 0) {
        const res: BatchGetCommandOutput = await this.db.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of res.Responses?.[this.tableName] ?? []) found.set(item.id as string, fromItem<Opportunity>(item));
        request = res.UnprocessedKeys;
      }
    }
    return found;
  }

  async getEvent(tenantId: string, eventId: string): Promise<CrmEvent | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.event(tenantId, clientOf(eventId), eventId), ConsistentRead: true }));
    return Item ? fromItem<CrmEvent>(Item) : undefined;
  }

  /**
   * The client, its opportunities and their events: one Query over the profile range of the
   * partition — and, for a client others were merged into, of each of theirs (what moved to it
   * still lives where it was born: ids name their partition).
   */
  async clientPartition(tenantId: string, clientId: string): Promise<ClientPartition> {
    const result: ClientPartition = { opportunities: [], events: [], invoices: [] };
    const read = async (partition: string) => {
      for await (const item of this.all(keys.query.profile(tenantId, partition))) {
        if (keys.isClientItem(item)) {
          if (partition === clientId) result.client = clientFromItem(item);
        } else if (item.clientId !== clientId) continue;
        else if (item.entity === 'opportunity') result.opportunities.push(fromItem<Opportunity>(item));
        else if (item.entity === 'event') result.events.push(fromItem<CrmEvent>(item));
        else if (item.entity === 'invoice') result.invoices!.push(fromItem<Invoice>(item));
      }
    };
    await read(clientId);
    for (const merged of result.client?.mergedFrom ?? []) await read(merged);
    return result;
  }

  /** The client's opportunities, in its partition and in those of the clients merged into it. */
  async clientOpportunities(tenantId: string, clientId: string): Promise<Opportunity[]> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.client(tenantId, clientId), ProjectionExpression: 'mergedFrom', ConsistentRead: true }));
    const out: Opportunity[] = [];
    for (const partition of [clientId, ...((Item?.mergedFrom as string[] | undefined) ?? [])]) {
      for await (const item of this.all(keys.query.clientOpportunities(tenantId, partition))) if (item.clientId === clientId) out.push(fromItem<Opportunity>(item));
    }
    return out;
  }

  /** The events born in a partition that belong to a client (a merge moves them one by one). */
  async partitionEvents(tenantId: string, partition: string, clientId: string): Promise<CrmEvent[]> {
    const out: CrmEvent[] = [];
    for await (const item of this.all(keys.query.profile(tenantId, partition))) if (item.entity === 'event' && item.clientId === clientId) out.push(fromItem<CrmEvent>(item));
    return out;
  }

  async reparentOpportunity(tenantId: string, before: Opportunity, after: Opportunity, audit: AuditEntry): Promise<void> {
    const team = opportunityTeam(after);
    const links = (clientId: string, delta: number): Write => ({
      item: {
        Update: {
          TableName: this.tableName,
          Key: keys.client(tenantId, clientId),
          UpdateExpression: `SET ${team.map((_, i) => `links.#s${i} = if_not_exists(links.#s${i}, :zero) + :d`).join(', ')}`,
          ExpressionAttributeNames: Object.fromEntries(team.map((subject, i) => [`#s${i}`, subject])),
          ExpressionAttributeValues: { ':zero': 0, ':d': delta },
        },
      },
    });
    const open = isOpen(before);
    await transact(
      this.db,
      [
        { item: { Put: { ...this.opportunityPut(tenantId, after).Put, ConditionExpression: 'version = :v AND clientId = :from', ExpressionAttributeValues: { ':v': before.version, ':from': before.clientId } } } },
        ...(open
          ? [
              { item: { Delete: { TableName: this.tableName, Key: keys.openOpportunity(tenantId, before.clientId, before.productId), ConditionExpression: 'opportunityId = :id', ExpressionAttributeValues: { ':id': before.id } } } },
              ...this.openSlot(tenantId, undefined, after),
            ]
          : []),
        links(after.clientId, 1),
        links(before.clientId, -1),
        ...this.memberships(tenantId, before, after),
        this.audit(tenantId, after.clientId, after.id, audit),
        ...actorGuard(this.tableName, tenantId, audit),
      ],
      { lostRace: () => new DomainError('conflict', 'concurrent_update', `Opportunity ${before.id} changed while it was being moved; the merge reads it again.`, {}, 1) },
    );
  }

  async reparentEvents(tenantId: string, moves: readonly { before: CrmEvent; after: CrmEvent }[]): Promise<void> {
    for (let i = 0; i < moves.length; i += 25) {
      await transact(
        this.db,
        moves.slice(i, i + 25).map(({ before, after }) => ({ item: { Put: { ...this.eventPut(tenantId, after).Put, ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before.version } } } })),
        { lostRace: () => new DomainError('conflict', 'concurrent_update', 'An event changed while it was being moved; the merge reads it again.', {}, 1) },
      );
    }
  }

  /** A new opportunity, holding the (client, product) open slot; a second open one is a 409 naming the first. */
  async createOpportunity(tenantId: string, o: Opportunity, audit: AuditEntry): Promise<void> {
    await transact(this.db, [
      ...this.openSlot(tenantId, undefined, o),
      this.linkTeam(tenantId, undefined, o)!,
      { item: this.opportunityPut(tenantId, o) },
      this.audit(tenantId, o.clientId, o.id, audit),
      ...this.memberships(tenantId, undefined, o),
      ...actorGuard(this.tableName, tenantId, audit),
    ]);
  }

  /**
   * Saves a changed opportunity if nobody changed it since `before` was read, with its audit entry,
   * its stage transition record, and — when it closes — the release of its (client, product) slot.
   */
  async saveOpportunity(tenantId: string, before: Opportunity, o: Opportunity, extra: { audit: AuditEntry; transition?: StageTransition; closer?: Staff }): Promise<void> {
    const link = this.linkTeam(tenantId, before, o);
    await transact(this.db, [
      { item: { Put: { ...this.opportunityPut(tenantId, o).Put, ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before.version } } } },
      this.audit(tenantId, o.clientId, o.id, extra.audit),
      ...this.memberships(tenantId, before, o),
      ...(link ? [link] : []),
      ...(extra.transition ? [{ item: this.transitionPut(tenantId, extra.transition) }] : []),
      ...this.openSlot(tenantId, before, o),
      ...actorGuard(this.tableName, tenantId, extra.audit),
      // The closer of a win is credited: still the active salesperson they were when read.
      ...(extra.closer ? [staffUnchanged(this.tableName, tenantId, extra.closer)] : []),
    ]);
  }

  /** A new event, refused if the opportunity closed meanwhile. */
  async createEvent(tenantId: string, e: CrmEvent, audit: AuditEntry): Promise<void> {
    await transact(this.db, [this.openCheck(tenantId, e), { item: this.eventPut(tenantId, e) }, this.audit(tenantId, e.clientId, e.opportunityId, audit), ...actorGuard(this.tableName, tenantId, audit)]);
  }

  /** A completed event (and the Demo/Visit Completed record it created), if unchanged since read. */
  async saveEvent(tenantId: string, e: CrmEvent, expectedVersion: number, extra: { audit: AuditEntry[]; created?: CrmEvent; requireOpen: boolean }): Promise<void> {
    await transact(this.db, [
      ...(extra.requireOpen ? [this.openCheck(tenantId, e)] : []),
      { item: { Put: { ...this.eventPut(tenantId, e).Put, ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } } } },
      ...(extra.created ? [{ item: this.eventPut(tenantId, extra.created) }] : []),
      ...extra.audit.map((a) => this.audit(tenantId, e.clientId, e.opportunityId, a)),
      ...(extra.audit[0] ? actorGuard(this.tableName, tenantId, extra.audit[0]) : []),
    ]);
  }

  async stageHistory(tenantId: string, opportunityId: string): Promise<StageTransition[]> {
    const out: StageTransition[] = [];
    for await (const item of this.all(keys.query.stageHistory(tenantId, clientOf(opportunityId), opportunityId))) out.push(fromItem<StageTransition>(item));
    return out;
  }

  /**
   * Audit entries of a client's partition, newest first; with `scopes`, only those concerning the
   * client or the opportunities named (an opportunity's entries include its events').
   */
  clientAudit(tenantId: string, clientId: string, q: AuditQuery): Promise<Page<AuditEntry>> {
    const scopes = q.scopes ? [...q.scopes].sort() : undefined;
    const input = { TableName: this.tableName, ...keys.query.clientAudit(tenantId, clientId), ScanIndexForward: false, ConsistentRead: true };
    const scope = `${tenantId}|audit|${clientId}|${scopes?.join(',') ?? '*'}`;
    if (!scopes) return queryPage(this.db, this.cursors, input, { ...q, scope }, auditFromItem);
    const wanted = new Set(scopes);
    return queryKept(this.db, this.cursors, input, { ...q, scope }, (item) => wanted.has(item.scopeId as string), auditFromItem);
  }

  /** Opportunities a subject (staff id or partner company) is linked to, or (subject omitted) the whole tenant's. */
  listOpportunities(tenantId: string, q: PageRequest & { subject?: string; stage?: string }): Promise<Page<Opportunity>> {
    const query = q.subject !== undefined ? keys.query.memberOpportunities(tenantId, q.subject, q.stage) : keys.query.tenantOpportunities(tenantId, q.stage);
    return queryPage(this.db, this.cursors, { TableName: this.tableName, ...query }, { ...q, scope: `${tenantId}|opps|${q.subject ?? '*'}|${q.stage ?? '*'}` }, (i) => fromItem<Opportunity>(i));
  }

  listEvents(tenantId: string, q: PageRequest & { assignee?: string; status: string; from?: string; to?: string; newestFirst?: boolean }): Promise<Page<CrmEvent>> {
    const query = q.assignee !== undefined ? keys.query.assigneeEvents(tenantId, q.assignee, q.status, q.from, q.to) : keys.query.tenantEvents(tenantId, q.status, q.from, q.to);
    const scope = `${tenantId}|events|${q.assignee ?? '*'}|${q.status}|${q.from ?? ''}|${q.to ?? ''}${q.newestFirst ? '|desc' : ''}`;
    return queryPage(this.db, this.cursors, { TableName: this.tableName, ...query, ...(q.newestFirst && { ScanIndexForward: false }) }, { ...q, scope }, (i) => fromItem<CrmEvent>(i));
  }

  /** Every item of a Query, page after page. */
  private async *all(query: ReturnType<typeof keys.query.profile>): AsyncGenerator<Item> {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(new QueryCommand({ TableName: this.tableName, ...query, ConsistentRead: true, ExclusiveStartKey: start }));
      yield* page.Items ?? [];
      start = page.LastEvaluatedKey;
    } while (start);
  }

  private opportunityPut(tenantId: string, o: Opportunity) {
    return { Put: { TableName: this.tableName, Item: toItem('opportunity', tenantId, { ...keys.opportunity(tenantId, clientOf(o.id), o.id), ...keys.opportunityIndexes(tenantId, o) }, o) } };
  }

  private eventPut(tenantId: string, e: CrmEvent) {
    return { Put: { TableName: this.tableName, Item: toItem('event', tenantId, { ...keys.event(tenantId, clientOf(e.id), e.id), ...keys.eventIndexes(tenantId, e) }, e), ConditionExpression: 'attribute_not_exists(pk)' } };
  }

  private transitionPut(tenantId: string, t: StageTransition) {
    return { Put: { TableName: this.tableName, Item: toItem('stage_transition', tenantId, keys.transition(tenantId, clientOf(t.opportunityId), t.opportunityId, t.seq), t), ConditionExpression: 'attribute_not_exists(pk)' } };
  }

  private audit(tenantId: string, clientId: string, scopeId: string, a: AuditEntry): Write {
    return { item: auditItem(this.tableName, tenantId, keys.clientAudit(tenantId, clientId, a.at, a.id), scopeId, a) };
  }

  /** The (client, product) open slot (DESIGN §3): claimed on creation, released when the opportunity closes. */
  private openSlot(tenantId: string, before: Opportunity | undefined, o: Opportunity): Write[] {
    const key = keys.openOpportunity(tenantId, o.clientId, o.productId);
    switch (openSlotChange(before, o)) {
      case 'claim':
        return [
          {
            item: { Put: { TableName: this.tableName, Item: toItem('open_opportunity', tenantId, key, { opportunityId: o.id }), ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
            onConditionFailed: (old) => conflict('open_opportunity_exists', `The client already has an open ${o.productId} opportunity.`, { existingOpportunityId: old?.opportunityId }),
          },
        ];
      case 'release':
        return [{ item: { Delete: { TableName: this.tableName, Key: key, ConditionExpression: 'opportunityId = :id', ExpressionAttributeValues: { ':id': o.id } } } }];
      case 'none':
        return [];
    }
  }

  /**
   * The opportunity's copy in the membership partition of everyone linked to it: lists are a
   * Query of one's own partition (scope by key). Copies of a previous team or stage are removed.
   */
  private memberships(tenantId: string, before: Opportunity | undefined, o: Opportunity): Write[] {
    const now = new Set(opportunityTeam(o));
    const stale = before ? opportunityTeam(before).filter((s) => !now.has(s) || before.stage !== o.stage) : [];
    return [
      ...stale.map((subject) => ({ item: { Delete: { TableName: this.tableName, Key: keys.membership(tenantId, subject, before!.stage, o.id) } } })),
      ...[...now].map((subject) => ({ item: { Put: { TableName: this.tableName, Item: toItem('membership', tenantId, keys.membership(tenantId, subject, o.stage, o.id), o) } } })),
    ];
  }

  /**
   * Everyone on an opportunity can see its client ("their clients", DESIGN §4). The client counts,
   * per subject, the opportunities linking them to it (`links`), so taking someone off the last one
   * takes the client away too. Nothing to write when the team did not change.
   */
  private linkTeam(tenantId: string, before: Opportunity | undefined, o: Opportunity): Write | undefined {
    const was = new Set(before ? opportunityTeam(before) : []);
    const now = new Set(opportunityTeam(o));
    const deltas = [...[...now].filter((s) => !was.has(s)).map((s) => [s, 1] as const), ...[...was].filter((s) => !now.has(s)).map((s) => [s, -1] as const)];
    if (deltas.length === 0) return undefined;
    const item: TransactItem = {
      Update: {
        TableName: this.tableName,
        Key: keys.client(tenantId, o.clientId),
        UpdateExpression: `SET ${deltas.map((_, i) => `links.#s${i} = if_not_exists(links.#s${i}, :zero) + :d${i}`).join(', ')}`,
        ConditionExpression: before ? 'attribute_exists(pk)' : 'attribute_exists(pk) AND attribute_not_exists(mergedInto)',
        ExpressionAttributeNames: Object.fromEntries(deltas.map(([subject], i) => [`#s${i}`, subject])),
        ExpressionAttributeValues: { ':zero': 0, ...Object.fromEntries(deltas.map(([, d], i) => [`:d${i}`, d])) },
      },
    };
    // Only a new opportunity can find its client gone; a later change found the opportunity, so the client is there.
    // A client merged meanwhile takes no new opportunity (#12).
    return before ? { item } : { item: { Update: { ...item.Update!, ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } }, onConditionFailed: (old) => (old?.mergedInto ? clientMerged(o.clientId, String(old.mergedInto)) : notFound('client', o.clientId)) };
  }

  /**
   * The event's opportunity is open and still the event's client's: a merge that moved it meanwhile
   * makes the write a lost race (it is read again and lands on the survivor).
   */
  private openCheck(tenantId: string, e: CrmEvent): Write {
    return {
      item: {
        ConditionCheck: {
          TableName: this.tableName,
          Key: keys.opportunity(tenantId, clientOf(e.opportunityId), e.opportunityId),
          ConditionExpression: 'attribute_exists(pk) AND #stage <> :closed AND clientId = :client',
          ExpressionAttributeNames: { '#stage': 'stage' },
          ExpressionAttributeValues: { ':closed': 'Closed', ':client': e.clientId },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      onConditionFailed: (old) =>
        old && old.stage !== 'Closed'
          ? new DomainError('conflict', 'concurrent_update', `Opportunity ${e.opportunityId} moved to another client while this request ran; try again.`, {}, 1)
          : conflict('opportunity_closed', `Opportunity ${e.opportunityId} closed while this request ran; it takes no more events.`),
    };
  }
}

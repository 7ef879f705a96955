import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../../domain/audit/audit';
import type { Connection, Delivery } from '../../../domain/integrations/connection';
import { conflict, DomainError } from '../../../domain/errors';
import type { Invoice, LeadRef } from '../../../domain/integrations/records';
import type { IntegrationsStore, Page, PageRequest, StoredDelivery } from '../use-cases/ports';
import type { CursorCodec } from './cursor';
import { auditItem, fromItem, queryKept, queryPage, toItem, transact, type Item } from './items';
import { keys } from './keys';

/**
 * Connections, their deliveries, the leads and invoices integrations recorded, and the counters
 * (round-robin tickets, rate-limit windows) of #13. A delivery is one conditional PutItem, raw
 * payload inline: receipt and de-duplication by provider delivery id are the same write.
 */
/**
 * How long a container reuses a connection it read, on the hook path (every delivery reads its
 * connection: cached, a hook costs one write). A change made in this container is seen at once; a
 * connection disabled or deleted through another one stops taking deliveries within this long.
 */
export const CONNECTION_MAX_AGE_MS = 10_000;

export class IntegrationsRepository implements IntegrationsStore {
  private readonly cached = new Map<string, { at: number; connection: Connection | undefined }>();

  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cursors: CursorCodec,
  ) {}

  // ── connections ──

  async getConnection(tenantId: string, id: string, opts: { cached?: boolean } = {}): Promise<Connection | undefined> {
    const key = `${tenantId}|${id}`;
    const hit = this.cached.get(key);
    if (opts.cached && hit && Date.now() - hit.at < CONNECTION_MAX_AGE_MS) return hit.connection;
    const at = Date.now();
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.connection(tenantId, id) }));
    const connection = Item ? fromItem<Connection>(Item) : undefined;
    // Bounded: a flood of unknown connection ids must not grow the container without end.
    if (this.cached.size > 10_000) this.cached.clear();
    this.cached.set(key, { at, connection });
    return connection;
  }

  private audit(tenantId: string, a: AuditEntry) {
    return { item: auditItem(this.tableName, tenantId, keys.connectionAudit(tenantId, a.at, a.id), a.entityId, a) };
  }

  async createConnection(tenantId: string, c: Connection, audit: AuditEntry): Promise<void> {
    await transact(this.db, [
      { item: { Put: { TableName: this.tableName, Item: toItem('connection', tenantId, keys.connection(tenantId, c.id), c), ConditionExpression: 'attribute_not_exists(pk)' } }, onConditionFailed: () => conflict('connection_exists', `Connection ${c.id} exists.`) },
      this.audit(tenantId, audit),
    ]);
  }

  async saveConnection(tenantId: string, before: Connection, after: Connection | undefined, audit: AuditEntry): Promise<void> {
    this.cached.delete(`${tenantId}|${before.id}`);
    const key = keys.connection(tenantId, before.id);
    const lost = () => new DomainError('conflict', 'concurrent_update', `Connection ${before.id} was changed meanwhile; read it again and retry.`, {}, 1);
    const condition = { ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before.version } };
    await transact(this.db, [
      after
        ? { item: { Put: { TableName: this.tableName, Item: toItem('connection', tenantId, key, after), ...condition } }, onConditionFailed: lost }
        : { item: { Delete: { TableName: this.tableName, Key: key, ...condition } }, onConditionFailed: lost },
      this.audit(tenantId, audit),
    ]);
  }

  listConnections(tenantId: string, page: PageRequest): Promise<Page<Connection>> {
    return queryPage(this.db, this.cursors, { TableName: this.tableName, ...keys.query.connections(tenantId) }, { ...page, scope: `${tenantId}|connections` }, (i) => fromItem<Connection>(i));
  }

  // ── deliveries ──

  async recordDelivery(tenantId: string, d: StoredDelivery): Promise<boolean> {
    try {
      await this.db.send(new PutCommand({ TableName: this.tableName, Item: this.deliveryItem(tenantId, d), ConditionExpression: 'attribute_not_exists(pk)' }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** A delivery is kept 90 days after it arrived (the table's TTL; its raw payload with it). */
  private deliveryItem(tenantId: string, d: StoredDelivery): Item {
    return toItem('delivery', tenantId, { ...keys.delivery(tenantId, d.connectionId, d.id), ...keys.deliveryIndexes(tenantId, d) }, { ...d, ttl: Math.floor(Date.parse(d.receivedAt) / 1000) + DELIVERY_DAYS * 86_400 });
  }

  async getDelivery(tenantId: string, connectionId: string, id: string): Promise<StoredDelivery | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.delivery(tenantId, connectionId, id), ConsistentRead: true }));
    return Item ? deliveryOf(Item) : undefined;
  }

  async saveDelivery(tenantId: string, d: StoredDelivery, expectedVersion: number): Promise<boolean> {
    try {
      await this.db.send(new PutCommand({ TableName: this.tableName, Item: this.deliveryItem(tenantId, d), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** One UpdateItem of three attributes: the payload is not written again to claim it. */
  async claimDelivery(tenantId: string, connectionId: string, id: string, expectedVersion: number, claimedAt: string): Promise<boolean> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.delivery(tenantId, connectionId, id),
          UpdateExpression: 'SET #status = :processing, claimedAt = :at, version = :next',
          ConditionExpression: 'version = :v',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':processing': 'processing', ':at': claimedAt, ':next': expectedVersion + 1, ':v': expectedVersion },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  listDeliveries(tenantId: string, connectionId: string, q: PageRequest & { status?: Delivery['status'] }): Promise<Page<Delivery>> {
    const scope = `${tenantId}|deliveries|${connectionId}|${q.status ?? '*'}`;
    return queryKept(
      this.db,
      this.cursors,
      { TableName: this.tableName, ...keys.query.deliveries(tenantId, connectionId), ScanIndexForward: false },
      { ...q, scope },
      (i) => q.status === undefined || i.status === q.status,
      (i) => withoutPayload(deliveryOf(i)),
    );
  }

  // ── leads and invoices ──

  async getLeadRef(tenantId: string, connectionId: string, digest: string): Promise<LeadRef | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.leadRef(tenantId, connectionId, digest), ConsistentRead: true }));
    return Item ? fromItem<LeadRef>(Item) : undefined;
  }

  async putLeadRef(tenantId: string, connectionId: string, digest: string, ref: LeadRef): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: toItem('lead_ref', tenantId, keys.leadRef(tenantId, connectionId, digest), ref) }));
  }

  async getInvoiceClient(tenantId: string, system: string, digest: string): Promise<string | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.invoiceRef(tenantId, system, digest) }));
    return typeof Item?.clientId === 'string' ? Item.clientId : undefined;
  }

  async getInvoice(tenantId: string, clientId: string, system: string, digest: string): Promise<Invoice | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.invoice(tenantId, clientId, system, digest), ConsistentRead: true }));
    return Item ? fromItem<Invoice>(Item) : undefined;
  }

  /** Creates (`expectedVersion` 0: with its reference, so a payment can find it) or replaces the invoice if unchanged since read. */
  async saveInvoice(tenantId: string, invoice: Invoice, digest: string, expectedVersion: number): Promise<void> {
    const item = toItem('invoice', tenantId, keys.invoice(tenantId, invoice.clientId, invoice.system, digest), invoice);
    const lost = () => new DomainError('conflict', 'concurrent_update', `Invoice ${invoice.number} was changed meanwhile.`, {}, 1);
    if (expectedVersion > 0) {
      await transact(this.db, [{ item: { Put: { TableName: this.tableName, Item: item, ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } } }, onConditionFailed: lost }]);
      return;
    }
    await transact(this.db, [
      { item: { Put: { TableName: this.tableName, Item: item, ConditionExpression: 'attribute_not_exists(pk)' } }, onConditionFailed: lost },
      { item: { Put: { TableName: this.tableName, Item: toItem('invoice_ref', tenantId, keys.invoiceRef(tenantId, invoice.system, digest), { clientId: invoice.clientId, number: invoice.number }) } } },
    ]);
  }

  async auditClient(tenantId: string, clientId: string, entry: AuditEntry): Promise<void> {
    await this.db.send(new PutCommand(auditItem(this.tableName, tenantId, keys.clientAudit(tenantId, clientId, entry.at, entry.id), clientId, entry).Put!));
  }

  // ── counters ──

  /** Adds one to a counter and answers its new value (atomic: concurrent callers each get their own). `ttlSeconds`: the counter expires (rate-limit windows). */
  async increment(tenantId: string, name: string, ttlSeconds?: number): Promise<number> {
    const { Attributes } = await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.counter(tenantId, name),
        UpdateExpression: `ADD hits :one SET entity = :entity, tenantId = :tenant${ttlSeconds ? ', #ttl = if_not_exists(#ttl, :ttl)' : ''}`,
        ...(ttlSeconds && { ExpressionAttributeNames: { '#ttl': 'ttl' } }),
        ExpressionAttributeValues: { ':one': 1, ':entity': 'counter', ':tenant': tenantId, ...(ttlSeconds && { ':ttl': Math.ceil(Date.now() / 1000) + ttlSeconds }) },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(Attributes?.hits ?? 0);
  }
}

/** Days a delivery stays in the log. */
export const DELIVERY_DAYS = 90;

function deliveryOf(item: Item): StoredDelivery {
  const d = fromItem<StoredDelivery & { raw?: Uint8Array }>(item, ['ttl']);
  return { ...d, ...(d.raw && { raw: Buffer.from(d.raw) }) } as StoredDelivery;
}

const withoutPayload = ({ raw: _raw, rawKey: _key, headers: _headers, ...d }: StoredDelivery): Delivery => d;

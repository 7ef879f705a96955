import { createHash } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../../domain/audit/audit';
import { conflict, DomainError } from '../../../domain/errors';
import { WEBHOOK_DELIVERY_DAYS, type WebhookDelivery, type WebhookDeliveryStatus } from '../../../domain/webhooks/delivery';
import type { Webhook } from '../../../domain/webhooks/subscription';
import { ids } from '../ids';
import type { Page, PageRequest, WebhooksStore } from '../use-cases/ports';
import type { CursorCodec } from './cursor';
import { auditItem, fromItem, queryKept, queryPage, toItem, transact, type Item, type Write } from './items';
import { keys } from './keys';

/**
 * Outbound webhook subscriptions and their delivery log (#15). A subscription is one item in the
 * tenant's webhooks partition (its audit beside it); each subscription's deliveries live in a
 * partition of their own, keyed by time-ordered ids (newest first is one Query), with one
 * reference item per event written in the delivery's transaction — an event fanned out twice,
 * or by two consumers at once, becomes one delivery.
 */
export class WebhooksRepository implements WebhooksStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cursors: CursorCodec,
  ) {}

  // ── subscriptions ──

  private audit(tenantId: string, a: AuditEntry): Write {
    return { item: auditItem(this.tableName, tenantId, keys.webhookAudit(tenantId, a.at, a.id), a.entityId, a) };
  }

  private lost(id: string) {
    return () => new DomainError('conflict', 'concurrent_update', `Webhook ${id} was changed meanwhile; read it again and retry.`, {}, 1);
  }

  async createWebhook(tenantId: string, w: Webhook, audit: AuditEntry): Promise<void> {
    await transact(this.db, [
      { item: { Put: { TableName: this.tableName, Item: toItem('webhook', tenantId, keys.webhook(tenantId, w.id), w), ConditionExpression: 'attribute_not_exists(pk)' } }, onConditionFailed: () => conflict('webhook_exists', `Webhook ${w.id} exists.`) },
      this.audit(tenantId, audit),
    ]);
  }

  async getWebhook(tenantId: string, id: string): Promise<Webhook | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.webhook(tenantId, id), ConsistentRead: true }));
    return Item ? fromItem<Webhook>(Item) : undefined;
  }

  listWebhooks(tenantId: string, page: PageRequest): Promise<Page<Webhook>> {
    return queryPage(this.db, this.cursors, { TableName: this.tableName, ...keys.query.webhooks(tenantId) }, { ...page, scope: `${tenantId}|webhooks` }, (i) => fromItem<Webhook>(i));
  }

  async saveWebhook(tenantId: string, before: Webhook, after: Webhook, audit?: AuditEntry): Promise<void> {
    const put: Write = {
      item: { Put: { TableName: this.tableName, Item: toItem('webhook', tenantId, keys.webhook(tenantId, before.id), after), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before.version } } },
      onConditionFailed: this.lost(before.id),
    };
    await transact(this.db, audit ? [put, this.audit(tenantId, audit)] : [put]);
  }

  async deleteWebhook(tenantId: string, before: Webhook, audit: AuditEntry): Promise<void> {
    await transact(this.db, [
      { item: { Delete: { TableName: this.tableName, Key: keys.webhook(tenantId, before.id), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before.version } } }, onConditionFailed: this.lost(before.id) },
      this.audit(tenantId, audit),
    ]);
  }

  async enabledWebhooks(tenantId: string): Promise<Webhook[]> {
    const out: Webhook[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.db.send(new QueryCommand({ TableName: this.tableName, ...keys.query.webhooks(tenantId), ExclusiveStartKey: start }));
      for (const item of res.Items ?? []) if (item.enabled === true) out.push(fromItem<Webhook>(item));
      start = res.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async recordAudit(tenantId: string, entry: AuditEntry): Promise<void> {
    await this.db.send(new PutCommand(this.audit(tenantId, entry).item.Put!));
  }

  // ── deliveries ──

  /** A delivery stays in the log 30 days after its last change (the table's TTL). */
  private deliveryItem(tenantId: string, d: WebhookDelivery): Item {
    return toItem('webhook_delivery', tenantId, keys.webhookDelivery(tenantId, d.webhookId, d.id), { ...d, ttl: ttlAfter(d.updatedAt) });
  }

  async createDelivery(tenantId: string, d: WebhookDelivery): Promise<{ delivery: WebhookDelivery; created: boolean }> {
    const refKey = keys.webhookDeliveryRef(tenantId, d.webhookId, eventDigest(d.eventId));
    for (let attempt = 1; ; attempt++) {
      try {
        await transact(this.db, [
          { item: { Put: { TableName: this.tableName, Item: this.deliveryItem(tenantId, d), ConditionExpression: 'attribute_not_exists(pk)' } }, onConditionFailed: () => conflict('webhook_delivery_exists', `Delivery ${d.id} exists.`) },
          {
            item: {
              Put: {
                TableName: this.tableName,
                Item: toItem('webhook_delivery_ref', tenantId, refKey, { deliveryId: d.id, ttl: ttlAfter(d.createdAt) }),
                ConditionExpression: 'attribute_not_exists(pk)',
                ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
              },
            },
            onConditionFailed: (old) => new DomainError('conflict', 'event_delivered', 'The event has a delivery to this webhook.', { deliveryId: old?.deliveryId }),
          },
        ]);
        return { delivery: d, created: true };
      } catch (error) {
        if (!(error instanceof DomainError && error.code === 'event_delivered')) throw error;
        const existingId = String(error.details.deliveryId);
        const existing = await this.getDelivery(tenantId, d.webhookId, existingId);
        if (existing) return { delivery: existing, created: false };
        // The reference outlived its delivery (expired): drop it, if unchanged, and make this one.
        if (attempt >= 2) throw error;
        await this.db
          .send(new DeleteCommand({ TableName: this.tableName, Key: refKey, ConditionExpression: 'deliveryId = :d', ExpressionAttributeValues: { ':d': existingId } }))
          .catch((e: unknown) => {
            if (!(e instanceof ConditionalCheckFailedException)) throw e;
          });
      }
    }
  }

  async getDelivery(tenantId: string, webhookId: string, deliveryId: string): Promise<WebhookDelivery | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.webhookDelivery(tenantId, webhookId, deliveryId), ConsistentRead: true }));
    return Item ? deliveryOf(Item) : undefined;
  }

  async saveDelivery(tenantId: string, before: WebhookDelivery, after: WebhookDelivery): Promise<boolean> {
    try {
      await this.db.send(new PutCommand({ TableName: this.tableName, Item: this.deliveryItem(tenantId, after), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before.version } }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  listDeliveries(tenantId: string, webhookId: string, q: PageRequest & { status?: WebhookDeliveryStatus; eventType?: string }): Promise<Page<WebhookDelivery>> {
    // The filters are part of the cursor's scope: a cursor continues the query it came from, no other.
    const scope = `${tenantId}|webhook-deliveries|${webhookId}|${q.status ?? '*'}|${q.eventType ?? '*'}`;
    return queryKept(
      this.db,
      this.cursors,
      { TableName: this.tableName, ...keys.query.webhookDeliveries(tenantId, webhookId), ScanIndexForward: false },
      { limit: q.limit, ...(q.cursor !== undefined && { cursor: q.cursor }), scope },
      (i) => (q.status === undefined || i.status === q.status) && (q.eventType === undefined || i.eventType === q.eventType),
      deliveryOf,
    );
  }

  async deliveriesSince(tenantId: string, webhookId: string, q: { since: string; statuses: readonly WebhookDeliveryStatus[]; limit: number }): Promise<{ deliveries: WebhookDelivery[]; more: boolean }> {
    const deliveries: WebhookDelivery[] = [];
    const query = keys.query.webhookDeliveriesFrom(tenantId, webhookId, ids.webhookDeliveryFloor(new Date(q.since)));
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.db.send(new QueryCommand({ TableName: this.tableName, ...query, ExclusiveStartKey: start, Limit: 500 }));
      for (const item of res.Items ?? []) {
        if (!q.statuses.includes(item.status as WebhookDeliveryStatus)) continue;
        if (deliveries.length === q.limit) return { deliveries, more: true };
        deliveries.push(deliveryOf(item));
      }
      start = res.LastEvaluatedKey;
    } while (start);
    return { deliveries, more: false };
  }
}

const ttlAfter = (iso: string) => Math.floor(Date.parse(iso) / 1000) + WEBHOOK_DELIVERY_DAYS * 86_400;

/** The reference's key part: the event id's SHA-256 (an id of any length and alphabet makes a fixed key). */
const eventDigest = (eventId: string) => createHash('sha256').update(eventId).digest('hex');

const deliveryOf = (item: Item): WebhookDelivery => fromItem<WebhookDelivery>(item, ['ttl']);

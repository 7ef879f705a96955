import { DeleteCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conflict, DomainError } from '../../../domain/errors';
import type { Message } from '../../../domain/messages/message';
import type { UnreadCount, UnreadStore } from '../use-cases/ports';
import { fromItem, toItem, transact, type Item, type Write } from './items';
import { keys } from './keys';

/**
 * A mark that a message was counted is kept longer than a delivery (90 days, DELIVERY_DAYS): a
 * replayed or redelivered message finds its mark and is not counted again.
 */
const NOTED_DAYS = 120;

/** A transaction holds 100 items: the mark and up to 99 counts. */
const MAX_STAFF = 99;

/**
 * Unread counts (#14 item 4): one item per (staff member, client), in the staff member's
 * partition, raised with an atomic ADD in the same transaction as a mark in the client's
 * partition that the message was counted — so a message is counted once, however often it is
 * delivered or its delivery replayed. Marking the thread read deletes the count.
 */
export class UnreadRepository implements UnreadStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async note(tenantId: string, m: Pick<Message, 'id' | 'clientId' | 'opportunityId' | 'createdAt'>, staffIds: readonly string[], now: Date): Promise<boolean> {
    const staff = [...new Set(staffIds)].slice(0, MAX_STAFF);
    if (staff.length === 0) return false;
    const mark: Write = {
      item: {
        Put: {
          TableName: this.tableName,
          Item: toItem('unread_noted', tenantId, keys.unreadNoted(tenantId, m.clientId, m.id), { messageId: m.id, staffIds: staff, notedAt: now.toISOString(), ttl: Math.floor(now.getTime() / 1000) + NOTED_DAYS * 86_400 }),
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      onConditionFailed: () => conflict('already_counted', `Message ${m.id} was counted unread already.`),
    };
    const counts: Write[] = staff.map((staffId) => ({
      item: {
        Update: {
          TableName: this.tableName,
          Key: keys.unread(tenantId, staffId, m.clientId),
          // What the count is about (a deal, or none) is kept beside it: the list shows a count only to who may still see one of its messages.
          UpdateExpression: `ADD #count :one, ${m.opportunityId ? 'opportunityIds :deal' : '#general :one'} SET entity = :entity, tenantId = :tenant, staffId = :staff, clientId = :client, lastAt = :at, lastMessageId = :id`,
          ExpressionAttributeNames: { '#count': 'count', ...(!m.opportunityId && { '#general': 'general' }) },
          ExpressionAttributeValues: {
            ':one': 1,
            ...(m.opportunityId && { ':deal': new Set([m.opportunityId]) }),
            ':entity': 'unread',
            ':tenant': tenantId,
            ':staff': staffId,
            ':client': m.clientId,
            ':at': m.createdAt,
            ':id': m.id,
          },
        },
      },
    }));
    try {
      await transact(this.db, [mark, ...counts]);
      return true;
    } catch (error) {
      if (error instanceof DomainError && error.code === 'already_counted') return false;
      throw error;
    }
  }

  async list(tenantId: string, staffId: string): Promise<UnreadCount[]> {
    const out: UnreadCount[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.db.send(new QueryCommand({ TableName: this.tableName, ...keys.query.unread(tenantId, staffId), ConsistentRead: true, ExclusiveStartKey: start }));
      out.push(...(res.Items ?? []).map(countOf));
      start = res.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async clear(tenantId: string, staffId: string, clientId: string): Promise<number> {
    const { Attributes } = await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.unread(tenantId, staffId, clientId), ReturnValues: 'ALL_OLD' }));
    return Attributes ? countOf(Attributes).count : 0;
  }
}

function countOf(item: Item): UnreadCount {
  const c = fromItem<Omit<UnreadCount, 'opportunityIds'> & { opportunityIds?: Set<string>; general?: number; staffId: string }>(item, ['staffId']);
  return { clientId: c.clientId, count: Number(c.count), lastAt: c.lastAt, lastMessageId: c.lastMessageId, opportunityIds: [...(c.opportunityIds ?? [])].sort(), general: Number(c.general ?? 0) };
}

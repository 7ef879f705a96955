import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conflict, DomainError } from '../../../domain/errors';
import type { Channel, Message } from '../../../domain/messages/message';
import type { Consent } from '../../../domain/messages/whatsapp/consent';
import { refDigest } from '../../../domain/integrations/records';
import { clientOf } from '../ids';
import type { MessagesStore, Page, PageRequest } from '../use-cases/ports';
import type { CursorCodec } from './cursor';
import { fromItem, queryKept, toItem, transact, type Item } from './items';
import { badRequest } from '../http/errors';
import { keys, type KeyQuery } from './keys';

/**
 * Messages of the communication hub (#14): each in its client's partition (the id names it, as an
 * event's does), with an index item by its provider id (email Message-ID, WhatsApp wamid) written
 * in the same transaction — a webhook delivered twice, or a reply, finds the message with one read,
 * and a second message with the same provider id is refused (409 `duplicate_message`).
 */
export class MessagesRepository implements MessagesStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cursors: CursorCodec,
  ) {}

  async create(tenantId: string, m: Message): Promise<void> {
    await transact(this.db, [
      { item: { Put: { TableName: this.tableName, Item: toItem('message', tenantId, keys.message(tenantId, clientOf(m.id), m.id), m), ConditionExpression: 'attribute_not_exists(pk)' } } },
      {
        item: { Put: { TableName: this.tableName, Item: toItem('message_ref', tenantId, keys.messageRef(tenantId, refDigest(m.providerMessageId)), { clientId: m.clientId, messageId: m.id }), ConditionExpression: 'attribute_not_exists(pk)' } },
        onConditionFailed: () => conflict('duplicate_message', `A message with provider id ${m.providerMessageId} exists.`),
      },
    ]);
  }

  async get(tenantId: string, messageId: string): Promise<Message | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.message(tenantId, clientOf(messageId), messageId), ConsistentRead: true }));
    return Item ? fromItem<Message>(Item) : undefined;
  }

  /** The message a provider id names (a reply's In-Reply-To, a status update's wamid). */
  async byProviderId(tenantId: string, providerMessageId: string): Promise<Message | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.messageRef(tenantId, refDigest(providerMessageId)) }));
    return typeof Item?.messageId === 'string' ? this.get(tenantId, Item.messageId) : undefined;
  }

  /** Replaces the message if still at `before.version` (a status update racing another). */
  async save(tenantId: string, before: Message, after: Message): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({ TableName: this.tableName, Item: toItem('message', tenantId, keys.message(tenantId, clientOf(after.id), after.id), after), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before.version } }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new DomainError('conflict', 'concurrent_update', `Message ${before.id} changed meanwhile.`, {}, 1);
      throw error;
    }
  }

  /** The client's consent on a channel (WhatsApp's STOP/START), undefined when never recorded. */
  async consent(tenantId: string, clientId: string, channel: Channel): Promise<Consent | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.consent(tenantId, clientId, channel), ConsistentRead: true }));
    return Item ? fromItem<Consent>(Item, ['channel']) : undefined;
  }

  /** Records a consent change unless a later one is recorded (messages may be processed out of order). */
  async putConsent(tenantId: string, clientId: string, channel: Channel, consent: Consent): Promise<void> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem('consent', tenantId, keys.consent(tenantId, clientId, channel), { ...consent, channel }),
          ConditionExpression: 'attribute_not_exists(pk) OR #at <= :at',
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: { ':at': consent.at },
        }),
      );
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }

  /**
   * The thread of a client others were merged into (#12): its messages and theirs, which stay in
   * the partitions they were written to (a message's id names its partition), oldest first by the
   * time in their ids, as one partition's thread is. A page reads the partitions whole (as the
   * timeline does) and continues after a signed position, bound to the client and channel.
   */
  private async mergedThread(tenantId: string, clientId: string, mergedFrom: readonly string[], q: PageRequest & { channel?: Channel }): Promise<Page<Message>> {
    const scope = `${tenantId}|messages|${clientId}|${q.channel ?? '*'}|merged`;
    const decoded = await this.cursors.decode(q.cursor, scope);
    let after: string | undefined;
    if (decoded !== undefined) {
      // Only this method signs this scope; a cursor that verifies and holds no position was signed elsewhere.
      if (typeof decoded.after !== 'string') throw badRequest('invalid_cursor', 'The cursor is not valid for this query.');
      after = decoded.after;
    }
    // A message id ends in its own ULID (time-ordered); the whole id breaks a tie.
    const position = (m: Message) => `${m.id.slice(-26)}|${m.id}`;
    const partitions = await Promise.all([clientId, ...mergedFrom].map((p) => this.all(keys.query.clientMessages(tenantId, p))));
    const thread = partitions
      .flat()
      .filter((i) => q.channel === undefined || i.channel === q.channel)
      .map((i) => fromItem<Message>(i))
      .sort((a, b) => (position(a) < position(b) ? -1 : position(a) > position(b) ? 1 : 0));
    const rest = after === undefined ? thread : thread.filter((m) => position(m) > after);
    const items = rest.slice(0, q.limit);
    const cursor = rest.length > q.limit ? await this.cursors.encode({ after: position(items.at(-1)!) }, scope) : undefined;
    return { items, ...(cursor && { cursor }) };
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

  /** The client's latest messages of one channel or both, newest first. */
  async latest(tenantId: string, clientId: string, q: { channel?: Channel; limit: number }): Promise<Message[]> {
    const page = await queryKept(
      this.db,
      this.cursors,
      { TableName: this.tableName, ...keys.query.clientMessages(tenantId, clientId), ScanIndexForward: false },
      { limit: q.limit, scope: `${tenantId}|latest|${clientId}` },
      (i) => q.channel === undefined || i.channel === q.channel,
      (i) => fromItem<Message>(i),
    );
    return page.items;
  }

  /** A client's thread, oldest first (ids are time-ordered), of one channel or both. */
  list(tenantId: string, clientId: string, q: PageRequest & { channel?: Channel; mergedFrom?: readonly string[] }): Promise<Page<Message>> {
    if (q.mergedFrom?.length) return this.mergedThread(tenantId, clientId, q.mergedFrom, q);
    return queryKept(
      this.db,
      this.cursors,
      { TableName: this.tableName, ...keys.query.clientMessages(tenantId, clientId) },
      { ...q, scope: `${tenantId}|messages|${clientId}|${q.channel ?? '*'}` },
      (i) => q.channel === undefined || i.channel === q.channel,
      (i) => fromItem<Message>(i),
    );
  }
}

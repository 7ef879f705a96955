import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { refDigest } from '../../../domain/integrations/records';
import { conflict } from '../../../domain/errors';
import type { InboxMail } from '../../../domain/messages/inbox';
import type { Message } from '../../../domain/messages/message';
import { clientOf } from '../ids';
import type { InboxStore, Page, PageRequest } from '../use-cases/ports';
import type { CursorCodec } from './cursor';
import type { AuditEntry } from '../../../domain/audit/audit';
import { actorGuard, fromItem, queryPage, toItem, transact, type Item } from './items';
import { keys } from './keys';

/**
 * The unassigned inbox of the communication hub (#14): one partition per tenant, newest first by
 * the mails' time-ordered ids. A mail claims its provider id (Message-ID) in the messages' index
 * (MSGREF#, holding the inbox id instead of a message id), so a mail delivered twice is stored
 * once and a Message-ID is never both in the inbox and in a thread. Attaching moves it in one
 * transaction: the message into the client's thread, the index item over to the message, the
 * inbox item out (its attached record in its place) — never visible as both.
 */
export class InboxRepository implements InboxStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cursors: CursorCodec,
  ) {}

  async create(tenantId: string, mail: InboxMail): Promise<void> {
    await transact(this.db, [
      { item: { Put: { TableName: this.tableName, Item: toItem('inbox_mail', tenantId, keys.inboxMail(tenantId, mail.id), mail), ConditionExpression: 'attribute_not_exists(pk)' } } },
      {
        item: { Put: { TableName: this.tableName, Item: toItem('message_ref', tenantId, keys.messageRef(tenantId, refDigest(mail.providerMessageId)), { inboxId: mail.id }), ConditionExpression: 'attribute_not_exists(pk)' } },
        onConditionFailed: () => conflict('duplicate_message', `A message with provider id ${mail.providerMessageId} exists.`),
      },
    ]);
  }

  async get(tenantId: string, id: string): Promise<InboxMail | undefined> {
    const read = async (key: { pk: string; sk: string }) => (await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }))).Item;
    // Waiting is the common case: the attached record is read only when the mail is not there.
    const item = (await read(keys.inboxMail(tenantId, id))) ?? (await read(keys.inboxAttached(tenantId, id)));
    return item ? fromItem<InboxMail>(item) : undefined;
  }

  list(tenantId: string, q: PageRequest): Promise<Page<InboxMail>> {
    return queryPage(
      this.db,
      this.cursors,
      { TableName: this.tableName, ...keys.query.inbox(tenantId), ScanIndexForward: false, ConsistentRead: true },
      { ...q, scope: `${tenantId}|inbox` },
      (i: Item) => fromItem<InboxMail>(i),
    );
  }

  async attach(tenantId: string, before: InboxMail, after: InboxMail, message: Message, by: Pick<AuditEntry, 'actor' | 'actorRole'>): Promise<void> {
    const already = () => conflict('already_attached', `Mail ${before.id} is attached to a thread already.`);
    await transact(this.db, [
      {
        item: { Delete: { TableName: this.tableName, Key: keys.inboxMail(tenantId, before.id), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before.version } } },
        onConditionFailed: already,
      },
      { item: { Put: { TableName: this.tableName, Item: toItem('inbox_attached', tenantId, keys.inboxAttached(tenantId, after.id), after), ConditionExpression: 'attribute_not_exists(pk)' } }, onConditionFailed: already },
      { item: { Put: { TableName: this.tableName, Item: toItem('message', tenantId, keys.message(tenantId, clientOf(message.id), message.id), message), ConditionExpression: 'attribute_not_exists(pk)' } } },
      {
        // The provider id passes from the inbox mail to the message: replies' In-Reply-To find it from now on.
        item: {
          Put: {
            TableName: this.tableName,
            Item: toItem('message_ref', tenantId, keys.messageRef(tenantId, refDigest(message.providerMessageId)), { clientId: message.clientId, messageId: message.id }),
            ConditionExpression: 'inboxId = :inbox',
            ExpressionAttributeValues: { ':inbox': before.id },
          },
        },
        onConditionFailed: () => conflict('duplicate_message', `A message with provider id ${message.providerMessageId} is in a thread already.`),
      },
      // Whoever attaches must still be active in the role their token claims.
      ...actorGuard(this.tableName, tenantId, by),
    ]);
  }
}

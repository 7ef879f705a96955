import { unmarshall } from '@aws-sdk/util-dynamodb';
import { GetCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { searchableName, type Client } from '../../../domain/clients/client';
import { conflict } from '../../../domain/errors';
import { failedConditions } from './errors';
import { keys } from './keys';

type Item = Record<string, unknown>;

const toItem = (tenantId: string, client: Client): Item => ({ ...keys.client(tenantId, client.id), entity: 'client', tenantId, ...client });

function toClient(item: Item): Client {
  const { pk: _pk, sk: _sk, entity: _e, tenantId: _t, ...client } = item;
  return client as unknown as Client;
}

export class ClientsRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** One GetItem, strongly consistent. */
  async get(tenantId: string, clientId: string): Promise<Client | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.client(tenantId, clientId), ConsistentRead: true }));
    return Item ? toClient(Item) : undefined;
  }

  /**
   * The client and its phone/email/name index items in one transaction: a duplicate phone or
   * email cancels the whole write and answers 409 naming the client that holds it.
   */
  async create(tenantId: string, client: Client): Promise<void> {
    const unique = [
      { on: 'mobile', key: keys.clientPhone(tenantId, client.mobile) },
      ...(client.email ? [{ on: 'email', key: keys.clientEmail(tenantId, client.email) }] : []),
    ];
    const notExists = { ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: toItem(tenantId, client), ConditionExpression: 'attribute_not_exists(pk)' } },
            ...unique.map((u) => ({ Put: { TableName: this.tableName, Item: { ...u.key, entity: 'client_index', clientId: client.id }, ...notExists } })),
            { Put: { TableName: this.tableName, Item: { ...keys.clientName(tenantId, searchableName(client.companyName), client.id), entity: 'client_index', clientId: client.id } } },
          ],
        }),
      );
    } catch (error) {
      const failed = failedConditions(error);
      const duplicate = failed?.map((f) => ({ ...f, u: unique[f.index - 1] })).find((f) => f.u);
      if (!duplicate?.u) throw error;
      const existingClientId =
        (duplicate.item && (unmarshall(duplicate.item as Record<string, AttributeValue>).clientId as string)) ??
        ((await this.db.send(new GetCommand({ TableName: this.tableName, Key: duplicate.u.key, ConsistentRead: true }))).Item?.clientId as string | undefined);
      throw conflict('duplicate_client', `A client with this ${duplicate.u.on} already exists.`, { existingClientId, matchedOn: duplicate.u.on });
    }
  }
}

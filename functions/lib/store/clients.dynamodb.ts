import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AuditEntry } from '../../../domain/audit/audit';
import { searchableName, type Client } from '../../../domain/clients/client';
import { conflict, DomainError } from '../../../domain/errors';
import { failedConditions } from './errors';
import { keys } from './keys';

type Item = Record<string, unknown>;
type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/** A client with the subjects linked to it (creator, and everyone on its opportunities): scope for "their clients". */
export interface StoredClient {
  client: Client;
  team: string[];
}

/**
 * `links` counts, per subject, what links them to the client: its creator (for good) and each
 * opportunity they are on (maintained by the pipeline repository in the opportunity's transaction).
 */
const toItem = (tenantId: string, client: Client): Item => ({
  ...keys.client(tenantId, client.id),
  entity: 'client',
  tenantId,
  ...client,
  links: { [client.createdBy]: 1 },
});

export function clientFromItem(item: Item): StoredClient {
  const { pk: _pk, sk: _sk, entity: _e, tenantId: _t, links, ...client } = item;
  const team = Object.entries((links as Record<string, number> | undefined) ?? {})
    .filter(([, count]) => count > 0)
    .map(([subject]) => subject);
  return { client: client as unknown as Client, team };
}

/** The unique contacts of a client: each is an index item that a second client cannot take. */
const uniqueContacts = (tenantId: string, c: Client) => [
  { on: 'mobile', key: keys.clientPhone(tenantId, c.mobile) },
  ...(c.email ? [{ on: 'email', key: keys.clientEmail(tenantId, c.email) }] : []),
];

export class ClientsRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** One GetItem, strongly consistent. */
  async get(tenantId: string, clientId: string): Promise<StoredClient | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.client(tenantId, clientId), ConsistentRead: true }));
    return Item ? clientFromItem(Item) : undefined;
  }

  /**
   * The client, its phone/email/name index items and its audit entry in one transaction: a
   * duplicate phone or email cancels the whole write and answers 409 naming the client holding it.
   */
  async create(tenantId: string, client: Client, audit: AuditEntry): Promise<void> {
    const unique = uniqueContacts(tenantId, client);
    await this.transact(
      [
        { Put: { TableName: this.tableName, Item: toItem(tenantId, client), ConditionExpression: 'attribute_not_exists(pk)' } },
        ...unique.map((u) => this.reserve(u.key, client.id)),
        this.putName(tenantId, client),
        this.putAudit(tenantId, client.id, audit),
      ],
      unique,
      1,
    );
  }

  /** Replaces a client if unchanged since `expectedVersion`, moving its contact and name index items. */
  async update(tenantId: string, before: Client, after: Client, audit: AuditEntry): Promise<void> {
    const oldUnique = uniqueContacts(tenantId, before);
    const newUnique = uniqueContacts(tenantId, after);
    const added = newUnique.filter((n) => !oldUnique.some((o) => o.key.sk === n.key.sk));
    const removed = oldUnique.filter((o) => !newUnique.some((n) => n.key.sk === o.key.sk));
    const renamed = searchableName(before.companyName) !== searchableName(after.companyName);
    await this.transact(
      [
        ...added.map((u) => this.reserve(u.key, after.id)),
        {
          Update: {
            TableName: this.tableName,
            Key: keys.client(tenantId, after.id),
            ConditionExpression: 'version = :v',
            ...updateAll(after, before.version),
          },
        },
        ...removed.map((u) => ({ Delete: { TableName: this.tableName, Key: u.key } })),
        ...(renamed ? [{ Delete: { TableName: this.tableName, Key: keys.clientName(tenantId, searchableName(before.companyName), before.id) } }, this.putName(tenantId, after)] : []),
        this.putAudit(tenantId, after.id, audit),
      ],
      added,
      0,
      true,
    );
  }

  /** Client ids whose name, phone or email starts with `prefix` (one Query on the index partition). */
  async search(tenantId: string, field: 'name' | 'phone' | 'email', prefix: string, limit: number): Promise<string[]> {
    const range = keys.clientSearch(tenantId, field, prefix);
    const { Items } = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
        ExpressionAttributeValues: { ':pk': range.pk, ':p': range.skPrefix },
        Limit: limit,
      }),
    );
    return [...new Set((Items ?? []).map((i) => i.clientId as string))];
  }

  private reserve(key: { pk: string; sk: string }, clientId: string): TransactItem {
    return {
      Put: {
        TableName: this.tableName,
        Item: { ...key, entity: 'client_index', clientId },
        ConditionExpression: 'attribute_not_exists(pk)',
        ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
      },
    };
  }

  private putName(tenantId: string, c: Client): TransactItem {
    return { Put: { TableName: this.tableName, Item: { ...keys.clientName(tenantId, searchableName(c.companyName), c.id), entity: 'client_index', clientId: c.id } } };
  }

  private putAudit(tenantId: string, clientId: string, a: AuditEntry): TransactItem {
    const { entity: subject, ...entry } = a;
    return { Put: { TableName: this.tableName, Item: { ...keys.audit(tenantId, clientId, clientId, a.at, a.id), entity: 'audit', tenantId, scopeId: clientId, subject, ...entry } } };
  }

  /**
   * Runs a transaction whose items [offset, offset + unique.length) reserve contacts: a failure
   * there is a duplicate (409 naming the holder); a failed version check is a stale If-Match (412).
   */
  private async transact(items: TransactItem[], unique: { on: string; key: { pk: string; sk: string } }[], offset: number, versioned = false): Promise<void> {
    try {
      await this.db.send(new TransactWriteCommand({ TransactItems: items }));
    } catch (error) {
      const failed = failedConditions(error);
      if (!failed?.length) throw error;
      const duplicate = failed.map((f) => ({ ...f, u: unique[f.index - offset] })).find((f) => f.u && f.index >= offset);
      if (duplicate?.u) {
        const existingClientId =
          (duplicate.item && (unmarshall(duplicate.item as Record<string, AttributeValue>).clientId as string)) ??
          ((await this.db.send(new GetCommand({ TableName: this.tableName, Key: duplicate.u.key, ConsistentRead: true }))).Item?.clientId as string | undefined);
        throw conflict('duplicate_client', `A client with this ${duplicate.u.on} already exists.`, { existingClientId, matchedOn: duplicate.u.on });
      }
      if (versioned) throw staleVersion();
      throw error;
    }
  }
}

const staleVersion = () => new DomainError('precondition_failed', 'stale_version', 'The client changed since you read it; read it again and retry.');

/** SET every field of the new version (REMOVE the ones it dropped), guarded by the old version. */
function updateAll(after: Client, expectedVersion: number) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':v': expectedVersion };
  const sets: string[] = [];
  const removes: string[] = [];
  const optional: (keyof Client)[] = ['whatsapp', 'email', 'address', 'landmark', 'geo', 'imageKey'];
  Object.entries(after).forEach(([field, value], i) => {
    names[`#f${i}`] = field;
    values[`:f${i}`] = value;
    sets.push(`#f${i} = :f${i}`);
  });
  optional.filter((f) => after[f] === undefined).forEach((field, i) => {
    names[`#r${i}`] = field;
    removes.push(`#r${i}`);
  });
  return {
    UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

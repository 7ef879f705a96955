import { BatchGetCommand, GetCommand, QueryCommand, type BatchGetCommandInput, type BatchGetCommandOutput, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../../domain/audit/audit';
import { searchableName, type Client } from '../../../domain/clients/client';
import { contactChanges, duplicateClient, renamed, uniqueContacts, type ContactPoint } from '../../../domain/clients/contacts';
import { FUZZY_SCORE, fuzzyKeyChanges, fuzzyKeys, MAX_PAIRED, type FuzzyReason } from '../../../domain/clients/dedup';
import { conflict, DomainError } from '../../../domain/errors';
import type { ClientsStore, StoredClient } from '../use-cases/ports';
import { actorGuard, auditItem, clientFromItem, clientItem, transact, toItem, type Write } from './items';
import type { CursorCodec } from './cursor';
import { keys } from './keys';

/** Clients and their contact and name index items. */
export class ClientsRepository implements ClientsStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cursors?: CursorCodec,
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
  async create(tenantId: string, client: Client, audit: AuditEntry, opts: { claimFuzzy?: boolean } = {}): Promise<void> {
    await transact(this.db, [
      { item: { Put: { TableName: this.tableName, Item: clientItem(tenantId, client), ConditionExpression: 'attribute_not_exists(pk)' } } },
      ...uniqueContacts(client).map((c) => this.claim(tenantId, c, client.id)),
      { item: this.nameItem(tenantId, client) },
      ...fuzzyKeys(client).map((f) => ({ item: this.fuzzyItem(tenantId, f.key, client.id) })),
      ...(opts.claimFuzzy ? fuzzyKeys(client).map((f) => this.fuzzyClaim(tenantId, f.key, client.id)) : []),
      { item: auditItem(this.tableName, tenantId, keys.clientAudit(tenantId, client.id, audit.at, audit.id), client.id, audit) },
      ...actorGuard(this.tableName, tenantId, audit),
    ]);
  }

  /**
   * Every client of the tenant, a page at a time: the name index in name order (one Query of up
   * to 500 items), then the clients of that page (BatchGetItem, 100 a call). For exports.
   */
  async *pages(tenantId: string): AsyncGenerator<StoredClient[]> {
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(new QueryCommand({ TableName: this.tableName, ...keys.query.clientNames(tenantId), Limit: 500, ExclusiveStartKey: start }));
      const ids = (page.Items ?? []).map((i) => i.clientId as string);
      const found = new Map<string, StoredClient>();
      for (let i = 0; i < ids.length; i += 100) {
        let request: BatchGetCommandInput['RequestItems'] = { [this.tableName]: { Keys: ids.slice(i, i + 100).map((id) => keys.client(tenantId, id)) } };
        while (request && Object.keys(request).length > 0) {
          const res: BatchGetCommandOutput = await this.db.send(new BatchGetCommand({ RequestItems: request }));
          for (const item of res.Responses?.[this.tableName] ?? []) found.set(item.id as string, clientFromItem(item));
          request = res.UnprocessedKeys;
        }
      }
      yield ids.flatMap((id) => (found.has(id) ? [found.get(id)!] : []));
      start = page.LastEvaluatedKey;
    } while (start);
  }

  /** The client holding a contact point (a phone, email, GSTIN or external ref): one GetItem. */
  async lookup(tenantId: string, contact: ContactPoint): Promise<string | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.clientContact(tenantId, contact.on, contact.value), ConsistentRead: true }));
    return Item?.clientId as string | undefined;
  }

  async possibleDuplicates(tenantId: string, client: Client): Promise<{ clientId: string; reason: FuzzyReason }[]> {
    const found = await Promise.all(
      fuzzyKeys(client).map(async ({ reason, key }) => {
        // A key shared by more than 20 clients is not a duplicate any more, it is a pattern: 20 are enough to show.
        const { Items } = await this.db.send(new QueryCommand({ TableName: this.tableName, ...keys.query.clientFuzzy(tenantId, key), Limit: 20 }));
        return (Items ?? []).map((i) => ({ clientId: i.clientId as string, reason }));
      }),
    );
    const seen = new Set<string>();
    return found.flat().filter((m) => m.clientId !== client.id && !seen.has(m.clientId) && (seen.add(m.clientId), true));
  }

  /** Replaces a client if unchanged since it was read, moving its contact and name index items. */
  async update(tenantId: string, before: Client, after: Client, audit: AuditEntry, opts: { claimFuzzy?: boolean } = {}): Promise<void> {
    const { claimed, released } = contactChanges(before, after);
    const fuzzy = fuzzyKeyChanges(before, after);
    await transact(this.db, [
      ...claimed.map((c) => this.claim(tenantId, c, after.id)),
      { item: { Update: { TableName: this.tableName, Key: keys.client(tenantId, after.id), ConditionExpression: 'version = :v', ...updateAll(before, after) } } },
      ...released.map((c) => ({ item: { Delete: { TableName: this.tableName, Key: keys.clientContact(tenantId, c.on, c.value) } } })),
      ...(renamed(before, after)
        ? [{ item: { Delete: { TableName: this.tableName, Key: keys.clientName(tenantId, searchableName(before.companyName), before.id) } } }, { item: this.nameItem(tenantId, after) }]
        : []),
      ...fuzzy.released.map((key) => ({ item: { Delete: { TableName: this.tableName, Key: keys.clientFuzzy(tenantId, key, before.id) } } })),
      ...fuzzy.claimed.map((key) => ({ item: this.fuzzyItem(tenantId, key, after.id) })),
      // Claims go with the keys they claim, whatever the rule is now; new ones are taken under `block`.
      ...fuzzy.released.map((key) => this.fuzzyRelease(tenantId, key, after.id)),
      ...(opts.claimFuzzy ? fuzzy.claimed.map((key) => this.fuzzyClaim(tenantId, key, after.id)) : []),
      { item: auditItem(this.tableName, tenantId, keys.clientAudit(tenantId, after.id, audit.at, audit.id), after.id, audit) },
      ...actorGuard(this.tableName, tenantId, audit),
    ]);
  }

  /** Client ids whose name, phone or email starts with `prefix` (one Query on the index partition). */
  async search(tenantId: string, field: 'name' | 'phone' | 'email', prefix: string, limit: number): Promise<string[]> {
    const { Items } = await this.db.send(new QueryCommand({ TableName: this.tableName, ...keys.query.clientSearch(tenantId, field, prefix), Limit: limit }));
    return [...new Set((Items ?? []).map((i) => i.clientId as string))];
  }

  /**
   * Groups of clients sharing a fuzzy key, read in key order from the tenant's index partition
   * (one Query of up to 300 index items a page). A group the page cuts off is left for the next
   * page, whose cursor starts at it, unless it alone fills the page.
   */
  async fuzzyGroups(tenantId: string, page: { limit: number; cursor?: string }): Promise<{ groups: { key: string; reason: FuzzyReason; clientIds: string[] }[]; cursor?: string }> {
    if (!this.cursors) throw new Error('ClientsRepository.fuzzyGroups needs the cursor codec');
    const scope = `${tenantId}|duplicates`;
    // At least 21 items a page: a group that fills a page has its 20 paired members in it.
    const { Items = [], LastEvaluatedKey } = await this.db.send(
      new QueryCommand({ TableName: this.tableName, ...keys.query.clientFuzzyAll(tenantId), Limit: Math.max(MAX_PAIRED + 1, Math.min(300, page.limit * 10)), ExclusiveStartKey: await this.cursors.decode(page.cursor, scope) }),
    );
    const groups: { key: string; reason: FuzzyReason; clientIds: string[]; last: Record<string, unknown> }[] = [];
    for (const item of Items) {
      const sk = String(item.sk);
      const key = sk.slice('FUZZY#'.length, sk.lastIndexOf('#'));
      const current = groups.at(-1);
      if (current?.key === key) {
        current.clientIds.push(String(item.clientId));
        current.last = { pk: item.pk, sk: item.sk };
      } else groups.push({ key, reason: reasonOf(key), clientIds: [String(item.clientId)], last: { pk: item.pk, sk: item.sk } });
    }
    let until: Record<string, unknown> | undefined = LastEvaluatedKey;
    if (LastEvaluatedKey && groups.length > 1) {
      // The last group may go on in the next page: start there.
      groups.pop();
      until = groups.at(-1)!.last;
    } else if (LastEvaluatedKey) {
      // One group fills the page: its first MAX_PAIRED members are here; the next page starts
      // after the whole group ('~' sorts after every client id), so paging never splits it.
      const only = groups[0]!;
      until = { pk: only.last.pk, sk: `FUZZY#${only.key}#~` };
    }
    const cursor = await this.cursors.encode(until, scope);
    return { groups: groups.map(({ key, reason, clientIds }) => ({ key, reason, clientIds })), ...(cursor && { cursor }) };
  }

  /**
   * A merge's first step (#12): the merged client points at the survivor — every write to it is
   * refused from now on, its version moves so one in flight loses — and the survivor lists its
   * partitions (its own and those merged into it before), so reads of the survivor take them in at once.
   */
  async claimMerge(tenantId: string, survivorId: string, merged: Client, partitions: readonly string[], audit: AuditEntry): Promise<void> {
    await transact(
      this.db,
      [
        {
          item: {
            Update: {
              TableName: this.tableName,
              Key: keys.client(tenantId, merged.id),
              UpdateExpression: 'SET mergedInto = :s, mergeState = :moving, version = :next, updatedAt = :at, updatedBy = :by',
              ConditionExpression: 'version = :v AND attribute_not_exists(mergedInto)',
              ExpressionAttributeValues: { ':s': survivorId, ':moving': 'moving', ':next': merged.version + 1, ':v': merged.version, ':at': audit.at, ':by': audit.actor },
            },
          },
        },
        {
          item: {
            Update: {
              TableName: this.tableName,
              Key: keys.client(tenantId, survivorId),
              UpdateExpression: 'SET mergedFrom = list_append(if_not_exists(mergedFrom, :none), :m)',
              ConditionExpression: 'attribute_exists(pk) AND attribute_not_exists(mergedInto) AND NOT contains(mergedFrom, :id)',
              ExpressionAttributeValues: { ':none': [], ':m': [...partitions], ':id': merged.id },
            },
          },
          onConditionFailed: () => conflict('client_merged', `Client ${survivorId} was merged into another client meanwhile; merge into that one.`, { survivorId }),
        },
        { item: auditItem(this.tableName, tenantId, keys.clientAudit(tenantId, merged.id, audit.at, audit.id), merged.id, audit) },
        ...actorGuard(this.tableName, tenantId, audit),
      ],
      { lostRace: () => new DomainError('conflict', 'concurrent_update', `Client ${merged.id} changed while it was being merged; try the merge again.`, {}, 1) },
    );
  }

  /**
   * A merge's last step: the merged client's contact points (phone, email, GSTIN, external ids)
   * now find the survivor, its name and look-alike index items go, the survivor takes what it
   * lacked (`after`: external ids, the image), and the merged client is marked done.
   */
  async finishMerge(tenantId: string, survivor: { before: Client; after: Client }, merged: Client, audits: AuditEntry[]): Promise<void> {
    const survivorChanged = survivor.after.version !== survivor.before.version;
    await transact(this.db, [
      ...uniqueContacts(merged).map((c) => ({
        item: {
          Update: {
            TableName: this.tableName,
            Key: keys.clientContact(tenantId, c.on, c.value),
            UpdateExpression: 'SET clientId = :s',
            ConditionExpression: 'clientId IN (:m, :s)',
            ExpressionAttributeValues: { ':s': survivor.after.id, ':m': merged.id },
          },
        },
      })),
      { item: { Delete: { TableName: this.tableName, Key: keys.clientName(tenantId, searchableName(merged.companyName), merged.id) } } },
      ...fuzzyKeys(merged).flatMap((f) => [{ item: { Delete: { TableName: this.tableName, Key: keys.clientFuzzy(tenantId, f.key, merged.id) } } }, this.fuzzyRelease(tenantId, f.key, merged.id)]),
      ...(survivorChanged
        ? [{ item: { Update: { TableName: this.tableName, Key: keys.client(tenantId, survivor.after.id), ConditionExpression: 'version = :v', ...updateAll(survivor.before, survivor.after) } } }]
        : []),
      {
        item: {
          Update: { TableName: this.tableName, Key: keys.client(tenantId, merged.id), UpdateExpression: 'SET mergeState = :done', ConditionExpression: 'mergedInto = :s', ExpressionAttributeValues: { ':done': 'done', ':s': survivor.after.id } },
        },
      },
      ...audits.map((a) => ({ item: auditItem(this.tableName, tenantId, keys.clientAudit(tenantId, a.entityId, a.at, a.id), a.entityId, a) })),
      ...(audits[0] ? actorGuard(this.tableName, tenantId, audits[0]) : []),
    ]);
  }

  /** A contact point taken for the client; held by another client, it is a 409 naming that client. */
  private claim(tenantId: string, contact: ContactPoint, clientId: string): Write {
    const key = keys.clientContact(tenantId, contact.on, contact.value);
    return {
      item: { Put: { TableName: this.tableName, Item: toItem('client_index', tenantId, key, { clientId }), ConditionExpression: 'attribute_not_exists(pk)', ReturnValuesOnConditionCheckFailure: 'ALL_OLD' } },
      onConditionFailed: async (old) => {
        const existingClientId = (old?.clientId as string | undefined) ?? ((await this.db.send(new GetCommand({ TableName: this.tableName, Key: key, ConsistentRead: true }))).Item?.clientId as string | undefined);
        return duplicateClient(contact, existingClientId);
      },
    };
  }

  /** The fuzzy key is this client's alone (`block`): a look-alike written at the same instant loses, 409 `possible_duplicate`. */
  private fuzzyClaim(tenantId: string, fuzzyKey: string, clientId: string): Write {
    return {
      item: {
        Put: {
          TableName: this.tableName,
          Item: toItem('client_index', tenantId, keys.clientFuzzyClaim(tenantId, fuzzyKey), { clientId }),
          ConditionExpression: 'attribute_not_exists(pk) OR clientId = :me',
          ExpressionAttributeValues: { ':me': clientId },
        },
      },
      // Not named: the caller may not be allowed to open it. Asked again, the read check names what it may.
      onConditionFailed: () => conflict('possible_duplicate', 'A client like this one was written a moment ago (same name in the same city or PIN code, or the same owner and phone); check it before adding another.', { possibleDuplicates: [{ reason: reasonOf(fuzzyKey), score: FUZZY_SCORE[reasonOf(fuzzyKey)], hidden: true }] }),
    };
  }

  /** A claim given back with its key (when this client holds it; another's is left alone). */
  private fuzzyRelease(tenantId: string, fuzzyKey: string, clientId: string): Write {
    return { item: { Delete: { TableName: this.tableName, Key: keys.clientFuzzyClaim(tenantId, fuzzyKey), ConditionExpression: 'attribute_not_exists(pk) OR clientId = :me', ExpressionAttributeValues: { ':me': clientId } } } };
  }

  private fuzzyItem(tenantId: string, fuzzyKey: string, clientId: string) {
    return { Put: { TableName: this.tableName, Item: toItem('client_index', tenantId, keys.clientFuzzy(tenantId, fuzzyKey, clientId), { clientId }) } };
  }

  private nameItem(tenantId: string, c: Client) {
    return { Put: { TableName: this.tableName, Item: toItem('client_index', tenantId, keys.clientName(tenantId, searchableName(c.companyName), c.id), { clientId: c.id }) } };
  }
}

const reasonOf = (key: string): FuzzyReason => (key.startsWith('OWNER#') ? 'owner_and_phone' : key.includes('#PIN#') ? 'name_and_pincode' : 'name_and_city');

/** SET every field of the new version and REMOVE the ones it dropped, guarded by the version read. */
function updateAll(before: Client, after: Client) {
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ':v': before.version };
  const sets = Object.entries(after)
    .filter(([, value]) => value !== undefined)
    .map(([field, value], i) => {
      names[`#f${i}`] = field;
      values[`:f${i}`] = value;
      return `#f${i} = :f${i}`;
    });
  const removes = Object.keys(before)
    .filter((field) => (after as unknown as Record<string, unknown>)[field] === undefined)
    .map((field, i) => {
      names[`#r${i}`] = field;
      return `#r${i}`;
    });
  return {
    UpdateExpression: `SET ${sets.join(', ')}${removes.length ? ` REMOVE ${removes.join(', ')}` : ''}`,
    ExpressionAttributeNames: names,
    ExpressionAttributeValues: values,
  };
}

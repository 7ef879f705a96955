import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AuditEntry } from '../../../domain/audit/audit';
import type { Client } from '../../../domain/clients/client';
import type { Staff } from '../../../domain/staff/staff';
import type { Page, PageRequest, StoredClient } from '../use-cases/ports';
import { DomainError, forbidden } from '../../../domain/errors';
import type { CursorCodec } from './cursor';
import { addressAttributes, keys, type Key, type KeyQuery } from './keys';
import { tableSchema } from './table-schema';

/**
 * The item codec and the transaction helper every repository shares: how an entity becomes an
 * item and back, how an audit entry is written, and how a cancelled transaction becomes the
 * right error. Nothing else in the store builds items or reads cancellation reasons.
 */

export type Item = Record<string, unknown>;
export type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

/** Item types, stored as `entity`: the stream publisher dispatches on it. */
export type EntityType =
  | 'client'
  | 'client_index'
  | 'open_opportunity'
  | 'opportunity'
  | 'event'
  | 'stage_transition'
  | 'audit'
  | 'tenant'
  | 'config'
  | 'staff'
  | 'membership'
  | 'alert'
  | 'job_run'
  | 'data_job'
  | 'connection'
  | 'delivery'
  | 'lead_ref'
  | 'invoice'
  | 'invoice_ref'
  | 'counter'
  | 'message'
  | 'message_ref'
  | 'consent'
  | 'unread'
  | 'unread_noted'
  | 'inbox_mail'
  | 'inbox_attached'
  | 'webhook'
  | 'webhook_delivery'
  | 'webhook_delivery_ref'
  | 'saved_report'
  | 'tenant_registry';

/** An entity as an item: its key (and index attributes), its type, its tenant, then its fields. */
export const toItem = (type: EntityType, tenantId: string, address: Key & Record<string, unknown>, value: object): Item => ({ ...address, entity: type, tenantId, ...value });

/**
 * An item as the entity it holds: the addressing attributes dropped. The one place a stored item
 * is taken for an entity; every writer goes through `toItem` with the entity's own type, so what
 * comes back is what went in.
 */
export function fromItem<T>(item: Item, drop: readonly string[] = []): T {
  const out: Item = {};
  for (const [name, value] of Object.entries(item)) if (!addressAttributes.has(name) && !drop.includes(name)) out[name] = value;
  return out as T;
}

// ── entities stored with bookkeeping of their own ────────────────────────────────────────────

/**
 * A client item carries `links`: per subject, how many things link them to the client — its
 * creator (for good) and each opportunity they are on (kept by the pipeline repository in the
 * opportunity's transaction). Taking someone off their last opportunity takes the client too.
 */
export const clientItem = (tenantId: string, client: Client): Item =>
  // A Map, not an object literal: a staff id such as `constructor` is a key like any other.
  toItem('client', tenantId, keys.client(tenantId, client.id), { ...client, links: new Map([[client.createdBy, 1]]) });

/** Kept on the client item beside the client, never part of it: who may see it, and where a merge took it (#12). */
const CLIENT_BOOKKEEPING = ['links', 'mergedInto', 'mergedFrom', 'mergeState'];

export function clientFromItem(item: Item): StoredClient {
  const links = (item.links as Record<string, number> | undefined) ?? {};
  return {
    client: fromItem<Client>(item, CLIENT_BOOKKEEPING),
    team: Object.entries(links)
      .filter(([, count]) => count > 0)
      .map(([subject]) => subject),
    ...(typeof item.mergedInto === 'string' && { mergedInto: item.mergedInto, mergeDone: item.mergeState === 'done' }),
    ...(Array.isArray(item.mergedFrom) && item.mergedFrom.length > 0 && { mergedFrom: item.mergedFrom as string[] }),
  };
}

/** A staff item, with its reporting path in the hierarchy index. */
export const staffItem = (tenantId: string, s: Staff): Item => toItem('staff', tenantId, { ...keys.staff(tenantId, s.staffId), ...keys.staffIndexes(tenantId, s) }, s);

/** An audit entry in its partition; `scopeId` says what it concerns (the client, or an opportunity with its events). */
export function auditItem(tableName: string, tenantId: string, key: Key, scopeId: string, a: AuditEntry): TransactItem {
  // `entity` names the item type in the table; the audited entity's kind is kept as `subject`.
  const { entity: subject, ...entry } = a;
  return { Put: { TableName: tableName, Item: toItem('audit', tenantId, key, { scopeId, subject, ...entry }) } };
}

export function auditFromItem(item: Item): AuditEntry {
  const { scopeId: _scope, subject, ...entry } = fromItem<Omit<AuditEntry, 'entity'> & { scopeId: string; subject: AuditEntry['entity'] }>(item);
  return { ...entry, entity: subject };
}

/**
 * Every write is made by someone whose staff record must still say so: active, in the role the
 * token claims. Checked inside the write's own transaction (no extra round trip), from the audit
 * entry that records who made it; a deactivated staff member's still-valid token, or a token for
 * a staff id that does not exist, writes nothing (403). The platform and the system (the missed
 * sweep) have no staff record.
 */
export function actorGuard(tableName: string, tenantId: string, audit: Pick<AuditEntry, 'actor' | 'actorRole'>): Write[] {
  if (!audit.actorRole || audit.actorRole === 'platform_admin' || audit.actor === 'system' || audit.actor.startsWith('integration:')) return [];
  return [
    {
      item: {
        ConditionCheck: {
          TableName: tableName,
          Key: keys.staff(tenantId, audit.actor),
          ConditionExpression: 'active = :active AND #role = :role',
          ExpressionAttributeNames: { '#role': 'role' },
          ExpressionAttributeValues: { ':active': true, ':role': audit.actorRole },
        },
      },
      onConditionFailed: () => forbidden('staff_inactive', 'Your staff record is missing, deactivated or holds another role.'),
    },
  ];
}

/** A staff record as it was read: the write fails (409) if it changed since (a closer deactivated meanwhile). */
export function staffUnchanged(tableName: string, tenantId: string, s: Pick<Staff, 'staffId' | 'version'>): Write {
  return { item: { ConditionCheck: { TableName: tableName, Key: keys.staff(tenantId, s.staffId), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': s.version } } } };
}

// ── transactions ──────────────────────────────────────────────────────────────────────────────

/** One item of a transaction and, when its condition is one a caller can fail, the error that failure means. */
export interface Write {
  item: TransactItem;
  /** The error when this item's condition fails; `old` is the item as it was (when returned). */
  onConditionFailed?: (old: Item | undefined) => DomainError | Promise<DomainError>;
}

export interface TransactOptions {
  /** A failed condition with no error of its own: somebody changed what was read (409 by default). */
  lostRace?: () => DomainError;
  /** Attempts when DynamoDB cancels the transaction for a conflicting transaction (default 3). */
  attempts?: number;
  /** Backoff between attempts, for tests (default: 25–75 ms, doubling). */
  backoffMs?: (attempt: number) => number;
}

const defaultLostRace = () => new DomainError('conflict', 'concurrent_update', 'What you changed was changed by someone else while this request ran; read it again and retry.', {}, 1);
const defaultBackoff = (attempt: number) => (25 + Math.random() * 50) * 2 ** (attempt - 1);

/** Thrown (as a 409 with Retry-After) when conflicting transactions kept cancelling this one. */
const contended = () => new DomainError('conflict', 'transaction_conflict', 'Another change to the same records was in progress; retry the request.', {}, 1);

/**
 * Writes all items or none. A cancelled transaction becomes: the error of the first item whose
 * condition failed and which names one (a duplicate, a missing parent), else the lost-race 409; a
 * cancellation by a conflicting transaction (nothing was written) is retried, then a retryable 409.
 */
export async function transact(db: Pick<DynamoDBDocumentClient, 'send'>, all: readonly Write[], opts: TransactOptions = {}): Promise<void> {
  const attempts = opts.attempts ?? 3;
  const writes = withoutRedundantChecks(all);
  for (let attempt = 1; ; attempt++) {
    try {
      await db.send(new TransactWriteCommand({ TransactItems: writes.map((w) => w.item) }));
      return;
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const reasons = error.CancellationReasons ?? [];
      const failed = reasons.flatMap((r, index) => (r.Code === 'ConditionalCheckFailed' ? [{ index, old: r.Item }] : []));
      if (failed.length > 0) {
        const named = failed.find((f) => writes[f.index]?.onConditionFailed);
        if (!named) throw (opts.lostRace ?? defaultLostRace)();
        const old = named.old ? (unmarshall(named.old as Record<string, AttributeValue>) as Item) : undefined;
        throw await writes[named.index]!.onConditionFailed!(old);
      }
      if (!reasons.some((r) => r.Code === 'TransactionConflict')) throw error;
      if (attempt >= attempts) throw contended();
      await new Promise((resolve) => setTimeout(resolve, (opts.backoffMs ?? defaultBackoff)(attempt)));
    }
  }
}

/**
 * A transaction may touch an item once: a condition check on an item the transaction also writes
 * (the actor moving themselves, a manager gaining a report from themselves) is dropped — the write
 * carries its own condition (the version read) and the item is the actor's own.
 */
function withoutRedundantChecks(writes: readonly Write[]): Write[] {
  const keyOf = (w: Write) => {
    const op = w.item.Put ?? w.item.Update ?? w.item.Delete ?? w.item.ConditionCheck;
    const key = (w.item.Put ? { pk: w.item.Put.Item?.pk, sk: w.item.Put.Item?.sk } : (op as { Key?: Record<string, unknown> }).Key) ?? {};
    return `${String(op?.TableName)}|${String(key.pk)}|${String(key.sk)}`;
  };
  const written = new Set(writes.filter((w) => !w.item.ConditionCheck).map(keyOf));
  // Two checks of one item (the actor is also the closer) become one, with both conditions.
  const checks = new Map<string, Write>();
  const out: Write[] = [];
  for (const w of writes) {
    if (!w.item.ConditionCheck) out.push(w);
    else if (!written.has(keyOf(w))) {
      const seen = checks.get(keyOf(w));
      if (!seen) {
        checks.set(keyOf(w), w);
        out.push(w);
      } else {
        const [a, b] = [seen.item.ConditionCheck!, w.item.ConditionCheck];
        seen.item.ConditionCheck = {
          ...a,
          ConditionExpression: `(${a.ConditionExpression}) AND (${b.ConditionExpression})`,
          ExpressionAttributeNames: { ...a.ExpressionAttributeNames, ...b.ExpressionAttributeNames },
          ExpressionAttributeValues: { ...a.ExpressionAttributeValues, ...b.ExpressionAttributeValues },
        };
      }
    }
  }
  return out;
}

// ── pages ─────────────────────────────────────────────────────────────────────────────────────

/**
 * One page of a Query, continued by a signed cursor bound to `scope` (the tenant and the query),
 * so a cursor cannot be replayed against another partition or query.
 */
export async function queryPage<T>(
  db: Pick<DynamoDBDocumentClient, 'send'>,
  cursors: CursorCodec,
  input: { TableName: string } & KeyQuery & Pick<QueryCommandInput, 'ScanIndexForward' | 'ConsistentRead'>,
  page: PageRequest & { scope: string },
  decode: (item: Item) => T,
): Promise<Page<T>> {
  const res = await db.send(new QueryCommand({ ...input, Limit: page.limit, ExclusiveStartKey: await cursors.decode(page.cursor, page.scope) }));
  return { items: (res.Items ?? []).map(decode), ...(await cursorOf(cursors, res.LastEvaluatedKey, page.scope)) };
}

/**
 * A page of the items of a Query that pass `keep`, filled up to `limit` by reading on (at most
 * `maxReads` Queries): the cursor continues right after the last item returned, so nothing is
 * skipped or repeated. For views that show part of a partition (what a caller may see of an audit).
 */
export async function queryKept<T>(
  db: Pick<DynamoDBDocumentClient, 'send'>,
  cursors: CursorCodec,
  input: { TableName: string } & KeyQuery & Pick<QueryCommandInput, 'ScanIndexForward' | 'ConsistentRead'>,
  page: PageRequest & { scope: string },
  keep: (item: Item) => boolean,
  decode: (item: Item) => T,
  maxReads = 10,
): Promise<Page<T>> {
  const kept: Item[] = [];
  let start = await cursors.decode(page.cursor, page.scope);
  for (let read = 0; read < maxReads; read++) {
    const res = await db.send(new QueryCommand({ ...input, Limit: Math.max(page.limit, 50), ExclusiveStartKey: start }));
    const items = res.Items ?? [];
    for (const [i, item] of items.entries()) {
      if (!keep(item)) continue;
      kept.push(item);
      if (kept.length === page.limit) {
        // Full: continue after this item, unless it was the last one there is.
        const more = i < items.length - 1 || res.LastEvaluatedKey !== undefined;
        return { items: kept.map(decode), ...(more ? await cursorOf(cursors, keyOf(item, input.IndexName), page.scope) : {}) };
      }
    }
    start = res.LastEvaluatedKey;
    if (!start) return { items: kept.map(decode) };
  }
  return { items: kept.map(decode), ...(await cursorOf(cursors, start, page.scope)) };
}

/** The key of an item as a Query's LastEvaluatedKey gives it: the table's key, and the index's when querying one. */
function keyOf(item: Item, indexName: string | undefined): Record<string, unknown> {
  const index = tableSchema.globalSecondaryIndexes.find((g) => g.indexName === indexName);
  const names = [tableSchema.partitionKey, tableSchema.sortKey, ...(index ? [index.partitionKey, index.sortKey] : [])];
  return Object.fromEntries(names.map((n) => [n, item[n]]));
}

const cursorOf = async (cursors: CursorCodec, key: Record<string, unknown> | undefined, scope: string) => {
  const cursor = await cursors.encode(key, scope);
  return cursor ? { cursor } : {};
};

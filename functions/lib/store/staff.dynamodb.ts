import { BatchGetCommand, GetCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../../domain/audit/audit';
import { conflict, DomainError } from '../../../domain/errors';
import type { Staff } from '../../../domain/staff/staff';
import type { CursorCodec } from './cursor';
import { failedConditions } from './errors';
import { keys } from './keys';
import type { Page } from './pipeline.dynamodb';

type Item = Record<string, unknown>;
type TransactItem = NonNullable<ConstructorParameters<typeof TransactWriteCommand>[0]['TransactItems']>[number];

const toStaff = (item: Item): Staff => {
  const { pk: _p, sk: _s, gsi1pk: _a, gsi1sk: _b, entity: _e, tenantId: _t, ...staff } = item;
  return staff as unknown as Staff;
};

export const staffItem = (tenantId: string, s: Staff): Item => ({ ...keys.staff(tenantId, s.staffId), ...keys.staffTree(tenantId, s.path), entity: 'staff', tenantId, ...s });

/**
 * Staff and the reporting hierarchy. Each staff item carries its materialised path
 * (`admin/manager/tse-1`) in gsi1, so a manager's whole subtree is one Query on a prefix —
 * never a scan of the tenant.
 */
export class StaffRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cursors: CursorCodec,
  ) {}

  item(tenantId: string, s: Staff): Item {
    return staffItem(tenantId, s);
  }

  async get(tenantId: string, staffId: string): Promise<Staff | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.staff(tenantId, staffId), ConsistentRead: true }));
    return Item ? toStaff(Item) : undefined;
  }

  async getMany(tenantId: string, staffIds: readonly string[]): Promise<Map<string, Staff>> {
    const unique = [...new Set(staffIds)];
    if (unique.length === 0) return new Map();
    const { Responses } = await this.db.send(
      new BatchGetCommand({ RequestItems: { [this.tableName]: { Keys: unique.map((id) => keys.staff(tenantId, id)), ConsistentRead: true } } }),
    );
    return new Map((Responses?.[this.tableName] ?? []).map((i) => [i.staffId as string, toStaff(i)]));
  }

  /** Everyone below `path` in the hierarchy (not the manager themself). */
  async subtree(tenantId: string, path: string): Promise<Staff[]> {
    const out: Staff[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'gsi1',
          KeyConditionExpression: 'gsi1pk = :pk AND begins_with(gsi1sk, :p)',
          ExpressionAttributeValues: { ':pk': keys.staffTree(tenantId, '').gsi1pk, ':p': `${path}/` },
          ExclusiveStartKey: start,
        }),
      );
      out.push(...(page.Items ?? []).map(toStaff));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  async list(tenantId: string, page: { limit: number; cursor?: string }): Promise<Page<Staff>> {
    const scope = `${tenantId}|staff`;
    const res = await this.db.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND begins_with(sk, :s)',
        ExpressionAttributeValues: { ':pk': keys.staffPartition(tenantId), ':s': keys.staffPrefix },
        Limit: page.limit,
        ExclusiveStartKey: this.cursors.decode(page.cursor, scope),
      }),
    );
    return { items: (res.Items ?? []).map(toStaff), cursor: this.cursors.encode(res.LastEvaluatedKey, scope) };
  }

  async create(tenantId: string, s: Staff, audit: AuditEntry): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Put: { TableName: this.tableName, Item: this.item(tenantId, s), ConditionExpression: 'attribute_not_exists(pk)' } },
            this.putAudit(tenantId, audit),
          ],
        }),
      );
    } catch (error) {
      if (failedConditions(error)?.some((f) => f.index === 0)) throw conflict('staff_exists', `Staff ${s.staffId} already exists.`, { existingStaffId: s.staffId });
      throw error;
    }
  }

  /** Saves changed staff items (a move rewrites the paths of the whole subtree) in one transaction, each if unchanged since read. */
  async save(tenantId: string, changed: { before: Staff; after: Staff }[], audit: AuditEntry): Promise<void> {
    // One transaction holds 100 items: the audit entry and up to 99 staff.
    if (changed.length > 99) {
      throw new DomainError('invalid', 'subtree_too_large', `Moving ${changed.length} staff at once is not supported; move smaller teams.`);
    }
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            ...changed.map(({ before, after }) => ({
              Put: { TableName: this.tableName, Item: this.item(tenantId, after), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before.version } },
            })),
            this.putAudit(tenantId, audit),
          ],
        }),
      );
    } catch (error) {
      if (failedConditions(error)?.length) throw conflict('concurrent_update', 'The staff hierarchy changed while this request ran; read it again and retry.');
      throw error;
    }
  }

  private putAudit(tenantId: string, a: AuditEntry): TransactItem {
    const { entity: subject, ...entry } = a;
    return { Put: { TableName: this.tableName, Item: { ...keys.staffAudit(tenantId, a.at, a.id), entity: 'audit', tenantId, scopeId: a.entityId, subject, ...entry } } };
  }
}

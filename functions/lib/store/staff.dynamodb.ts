import { BatchGetCommand, type BatchGetCommandInput, type BatchGetCommandOutput, GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AuditEntry } from '../../../domain/audit/audit';
import { conflict, DomainError, invalid } from '../../../domain/errors';
import type { Staff } from '../../../domain/staff/staff';
import type { Page, PageRequest, StaffStore } from '../use-cases/ports';
import type { CursorCodec } from './cursor';
import { actorGuard, auditItem, fromItem, queryPage, staffItem, transact } from './items';
import { keys } from './keys';

/** One transaction holds 100 items: the audit entry and up to 99 staff (the moved, their team, their new manager). */
const MAX_MOVED = 99;

const hierarchyChanged = () => new DomainError('conflict', 'concurrent_update', 'The staff hierarchy changed while this request ran; read it again and retry.', {}, 1);

/**
 * Staff and the reporting hierarchy. Each staff item carries its materialised path
 * (`admin/manager/tse-1`) in the staff-tree index, so a manager's whole subtree is one Query on a
 * prefix — never a scan of the tenant.
 */
export class StaffRepository implements StaffStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cursors: CursorCodec,
  ) {}

  async get(tenantId: string, staffId: string): Promise<Staff | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.staff(tenantId, staffId), ConsistentRead: true }));
    return Item ? fromItem<Staff>(Item) : undefined;
  }

  async getMany(tenantId: string, staffIds: readonly string[]): Promise<Map<string, Staff>> {
    const unique = [...new Set(staffIds)];
    const out = new Map<string, Staff>();
    // BatchGetItem takes 100 keys a call (an assignment rule set may name hundreds); keys it leaves unprocessed are asked for again.
    for (let i = 0; i < unique.length; i += 100) {
      let request: BatchGetCommandInput['RequestItems'] = { [this.tableName]: { Keys: unique.slice(i, i + 100).map((id) => keys.staff(tenantId, id)), ConsistentRead: true } };
      while (request && Object.keys(request).length > 0) {
        const res: BatchGetCommandOutput = await this.db.send(new BatchGetCommand({ RequestItems: request }));
        for (const item of res.Responses?.[this.tableName] ?? []) out.set(item.staffId as string, fromItem<Staff>(item));
        request = res.UnprocessedKeys;
      }
    }
    return out;
  }

  /** Everyone below `path` in the hierarchy (not the manager themself). */
  async subtree(tenantId: string, path: string): Promise<Staff[]> {
    const out: Staff[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const page = await this.db.send(new QueryCommand({ TableName: this.tableName, ...keys.query.subtree(tenantId, path), ExclusiveStartKey: start }));
      out.push(...(page.Items ?? []).map((i) => fromItem<Staff>(i)));
      start = page.LastEvaluatedKey;
    } while (start);
    return out;
  }

  list(tenantId: string, page: PageRequest): Promise<Page<Staff>> {
    return queryPage(this.db, this.cursors, { TableName: this.tableName, ...keys.query.staff(tenantId) }, { ...page, scope: `${tenantId}|staff` }, (i) => fromItem<Staff>(i));
  }

  async create(tenantId: string, s: Staff, audit: AuditEntry, manager?: { before: Staff; after: Staff }): Promise<void> {
    await transact(
      this.db,
      [
        {
          item: { Put: { TableName: this.tableName, Item: staffItem(tenantId, s), ConditionExpression: 'attribute_not_exists(pk)' } },
          onConditionFailed: () => conflict('staff_exists', `Staff ${s.staffId} already exists.`, { existingStaffId: s.staffId }),
        },
        ...(manager ? [this.replace(tenantId, manager)] : []),
        { item: this.audit(tenantId, audit) },
        ...actorGuard(this.tableName, tenantId, audit),
      ],
      { lostRace: hierarchyChanged },
    );
  }

  /** Saves changed staff items (a move rewrites the paths of the whole subtree) in one transaction, each if unchanged since read. */
  async save(tenantId: string, changed: { before: Staff; after: Staff }[], audit: AuditEntry): Promise<void> {
    if (changed.length > MAX_MOVED) {
      throw invalid([{ field: 'path.staffId', code: 'subtree_too_large', message: `has ${changed.length} people in their team; move at most ${MAX_MOVED} at once` }]);
    }
    await transact(
      this.db,
      [
        ...changed.map((change) => this.replace(tenantId, change)),
        { item: this.audit(tenantId, audit) },
        ...actorGuard(this.tableName, tenantId, audit),
      ],
      { lostRace: hierarchyChanged },
    );
  }

  /** A staff item replaced if still at the version read. */
  private replace(tenantId: string, { before, after }: { before: Staff; after: Staff }) {
    return { item: { Put: { TableName: this.tableName, Item: staffItem(tenantId, after), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before.version } } } };
  }

  private audit(tenantId: string, a: AuditEntry) {
    return auditItem(this.tableName, tenantId, keys.staffAudit(tenantId, a.at, a.id), a.entityId, a);
  }
}

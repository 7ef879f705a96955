import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conflict, DomainError } from '../../../domain/errors';
import type { SavedReport } from '../../../domain/reports/saved';
import type { Page, PageRequest, SavedReportsStore } from '../use-cases/ports';
import type { CursorCodec } from './cursor';
import { fromItem, queryKept, toItem, transact, type Item, type Write } from './items';

const SAVED_COUNT = 'SAVED_REPORTS';
import { keys } from './keys';

/**
 * Saved reports (#16): one item each in the tenant's reports partition, oldest first. A list shows
 * what the caller may see of it (`keep`), filled page by page; the schedule job reads the whole
 * partition (a tenant keeps at most a few hundred) and keeps the due ones.
 */
export class SavedReportsRepository implements SavedReportsStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cursors: CursorCodec,
  ) {}

  private lost(id: string) {
    return new DomainError('conflict', 'concurrent_update', `Saved report ${id} was changed meanwhile; read it again and retry.`, {}, 1);
  }

  /** The tenant's count of saved reports: taken with the create, given back with the delete, in their transactions. */
  private counted(tenantId: string, by: 1 | -1, max?: number): Write {
    return {
      item: {
        Update: {
          TableName: this.tableName,
          Key: keys.counter(tenantId, SAVED_COUNT),
          UpdateExpression: 'ADD saved :by SET entity = :entity, tenantId = :tenant',
          ...(max !== undefined && { ConditionExpression: 'attribute_not_exists(saved) OR saved < :max' }),
          ExpressionAttributeValues: { ':by': by, ':entity': 'counter', ':tenant': tenantId, ...(max !== undefined && { ':max': max }) },
        },
      },
      ...(max !== undefined && { onConditionFailed: () => conflict('too_many_saved_reports', `A tenant keeps at most ${max} saved reports: delete ones no one uses.`) }),
    };
  }

  /** Saved with the tenant's count taken, only while under `max` (409 too_many_saved_reports): parallel creates cannot pass the cap. */
  async create(tenantId: string, s: SavedReport, max: number): Promise<void> {
    await transact(this.db, [
      { item: { Put: { TableName: this.tableName, Item: toItem('saved_report', tenantId, keys.savedReport(tenantId, s.id), s), ConditionExpression: 'attribute_not_exists(pk)' } }, onConditionFailed: () => conflict('saved_report_exists', `Saved report ${s.id} exists.`) },
      this.counted(tenantId, 1, max),
    ]);
  }

  async get(tenantId: string, id: string): Promise<SavedReport | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.savedReport(tenantId, id), ConsistentRead: true }));
    return Item ? fromItem<SavedReport>(Item) : undefined;
  }

  list(tenantId: string, page: PageRequest, keep: (s: Pick<SavedReport, 'owner' | 'shared'>) => boolean): Promise<Page<SavedReport>> {
    return queryKept(this.db, this.cursors, { TableName: this.tableName, ...keys.query.savedReports(tenantId) }, { ...page, scope: `${tenantId}|saved-reports` }, (i) => keep(i as unknown as SavedReport), (i) => fromItem<SavedReport>(i));
  }

  async save(tenantId: string, before: SavedReport, after: SavedReport): Promise<void> {
    try {
      await this.db.send(new PutCommand({ TableName: this.tableName, Item: toItem('saved_report', tenantId, keys.savedReport(tenantId, before.id), after), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before.version } }));
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw this.lost(before.id);
      throw error;
    }
  }

  async delete(tenantId: string, before: SavedReport): Promise<void> {
    await transact(this.db, [
      { item: { Delete: { TableName: this.tableName, Key: keys.savedReport(tenantId, before.id), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before.version } } }, onConditionFailed: () => this.lost(before.id) },
      this.counted(tenantId, -1),
    ]);
  }

  async scheduled(tenantId: string): Promise<SavedReport[]> {
    const out: SavedReport[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.db.send(new QueryCommand({ TableName: this.tableName, ...keys.query.savedReports(tenantId), ConsistentRead: true, ExclusiveStartKey: start }));
      for (const item of (res.Items ?? []) as Item[]) if (item.nextRunAt !== undefined) out.push(fromItem<SavedReport>(item));
      start = res.LastEvaluatedKey;
    } while (start);
    return out;
  }
}

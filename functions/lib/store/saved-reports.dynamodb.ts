import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DeleteCommand, GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DomainError } from '../../../domain/errors';
import type { SavedReport } from '../../../domain/reports/saved';
import type { Page, PageRequest, SavedReportsStore } from '../use-cases/ports';
import type { CursorCodec } from './cursor';
import { fromItem, queryKept, toItem, type Item } from './items';
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

  async create(tenantId: string, s: SavedReport): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: toItem('saved_report', tenantId, keys.savedReport(tenantId, s.id), s), ConditionExpression: 'attribute_not_exists(pk)' }));
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
    try {
      await this.db.send(new DeleteCommand({ TableName: this.tableName, Key: keys.savedReport(tenantId, before.id), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before.version } }));
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw this.lost(before.id);
      throw error;
    }
  }

  async count(tenantId: string): Promise<number> {
    let n = 0;
    let start: Record<string, unknown> | undefined;
    do {
      const res = await this.db.send(new QueryCommand({ TableName: this.tableName, ...keys.query.savedReports(tenantId), Select: 'COUNT', ExclusiveStartKey: start }));
      n += res.Count ?? 0;
      start = res.LastEvaluatedKey;
    } while (start);
    return n;
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

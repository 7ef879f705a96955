import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { DataJobsStore, Page, PageRequest } from '../use-cases/ports';
import type { CursorCodec } from './cursor';
import { fromItem, queryKept, toItem } from './items';
import { keys, type DataJobKind } from './keys';

/**
 * Import and export jobs (#12). A job moves on by conditional writes on its version: a chunk
 * commits its counts and the checkpoint together, and a second delivery of the same chunk finds
 * the version moved and writes nothing.
 */
export class DataJobsRepository implements DataJobsStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cursors: CursorCodec,
  ) {}

  async get<T extends { id: string; version: number }>(tenantId: string, kind: DataJobKind, id: string): Promise<T | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.dataJob(tenantId, kind, id), ConsistentRead: true }));
    return Item ? jobOf<T>(Item) : undefined;
  }

  private item(tenantId: string, kind: DataJobKind, job: { id: string; version: number }) {
    // A job's `entity` (clients, opportunities, events) is kept as `jobEntity`: `entity` names the
    // item type. A mapping is kept as pairs: a column named `constructor` would make the SDK's
    // marshaller take the object for a class instance.
    const { entity, mapping, ...rest } = job as { id: string; version: number; entity?: string; mapping?: Record<string, string | null> };
    return toItem('data_job', tenantId, keys.dataJob(tenantId, kind, job.id), { ...rest, jobEntity: entity, ...(mapping && { mappingPairs: Object.entries(mapping) }) });
  }

  async create(tenantId: string, kind: DataJobKind, job: { id: string; version: number }): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: this.item(tenantId, kind, job), ConditionExpression: 'attribute_not_exists(pk)' }));
  }

  /** Replaces the job if it is still at `expectedVersion`; false when another run moved it first. */
  async save(tenantId: string, kind: DataJobKind, job: { id: string; version: number }, expectedVersion: number): Promise<boolean> {
    try {
      await this.db.send(
        new PutCommand({ TableName: this.tableName, Item: this.item(tenantId, kind, job), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': expectedVersion } }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** Newest first; `createdBy` keeps one staff member's jobs. */
  list<T extends { createdBy: string }>(tenantId: string, kind: DataJobKind, q: PageRequest & { createdBy?: string }): Promise<Page<T>> {
    const scope = `${tenantId}|${kind}s|${q.createdBy ?? '*'}`;
    return queryKept(this.db, this.cursors, { TableName: this.tableName, ...keys.query.dataJobs(tenantId, kind), ScanIndexForward: false }, { ...q, scope }, (i) => q.createdBy === undefined || i.createdBy === q.createdBy, (i) => jobOf<T>(i));
  }
}

function jobOf<T>(item: Record<string, unknown>): T {
  const { jobEntity, mappingPairs, ...rest } = fromItem<Record<string, unknown>>(item);
  // A Map-free record: `constructor` as a column is an own key like any other.
  const mapping = Array.isArray(mappingPairs) ? Object.fromEntries(mappingPairs as [string, string | null][]) : undefined;
  return { ...rest, entity: jobEntity, ...(mapping && { mapping }) } as T;
}

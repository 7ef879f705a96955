import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Alert, AlertStatus } from '../../../domain/alerts/alert';
import type { AuditEntry } from '../../../domain/audit/audit';
import { DomainError } from '../../../domain/errors';
import type { AlertsStore, Page, PageRequest } from '../use-cases/ports';
import type { CursorCodec } from './cursor';
import { actorGuard, fromItem, queryKept, toItem, transact, type Item } from './items';
import { keys } from './keys';

/**
 * Alerts (domain/alerts/alert.ts) and job runs. An alert's id is derived from its condition and
 * period, so raising is a conditional Put that does nothing the second time; every change after
 * that is conditional on the version read. A job run is a marker written once per job, tenant and
 * key (the nightly email to one manager): the claim that makes a retried job send nothing twice.
 */
export class AlertsRepository implements AlertsStore {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly cursors: CursorCodec,
  ) {}

  private item(tenantId: string, a: Alert): Item {
    return toItem('alert', tenantId, { ...keys.alert(tenantId, a.id), ...keys.alertIndexes(tenantId, a) }, a);
  }

  async get(tenantId: string, alertId: string): Promise<Alert | undefined> {
    const { Item } = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.alert(tenantId, alertId), ConsistentRead: true }));
    return Item ? fromItem<Alert>(Item) : undefined;
  }

  async raise(tenantId: string, a: Alert): Promise<boolean> {
    try {
      await this.db.send(new PutCommand({ TableName: this.tableName, Item: this.item(tenantId, a), ConditionExpression: 'attribute_not_exists(pk)' }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  /** `by`: who changes it (their staff record must still be active in that role, checked in the same transaction). */
  async save(tenantId: string, before: Alert, after: Alert, by: Pick<AuditEntry, 'actor' | 'actorRole'>): Promise<void> {
    await transact(
      this.db,
      [
        { item: { Put: { TableName: this.tableName, Item: this.item(tenantId, after), ConditionExpression: 'version = :v', ExpressionAttributeValues: { ':v': before.version } } } },
        ...actorGuard(this.tableName, tenantId, by),
      ],
      { lostRace: () => new DomainError('conflict', 'concurrent_update', `Alert ${before.id} changed while this request ran; read it again and retry.`, {}, 1) },
    );
  }

  list(tenantId: string, q: PageRequest & { status: AlertStatus; staffId?: string }, keep: (a: Alert) => boolean): Promise<Page<Alert>> {
    const query = q.staffId ? keys.query.staffAlerts(tenantId, q.staffId, q.status) : keys.query.tenantAlerts(tenantId, q.status);
    const scope = `${tenantId}|alerts|${q.status}|${q.staffId ?? '*'}`;
    // Newest first; the caller's scope decides what is kept (gap-free pages).
    return queryKept(this.db, this.cursors, { TableName: this.tableName, ...query, ScanIndexForward: false }, { ...q, scope }, (i) => keep(fromItem<Alert>(i)), (i) => fromItem<Alert>(i));
  }

  async unresolved(tenantId: string, staffId?: string): Promise<Alert[]> {
    const out: Alert[] = [];
    for (const status of ['open', 'acknowledged'] as const) {
      const query = staffId ? keys.query.staffAlerts(tenantId, staffId, status) : keys.query.tenantAlerts(tenantId, status);
      let start: Record<string, unknown> | undefined;
      do {
        const page = await this.db.send(new QueryCommand({ TableName: this.tableName, ...query, ExclusiveStartKey: start }));
        for (const i of page.Items ?? []) out.push(fromItem<Alert>(i));
        start = page.LastEvaluatedKey;
      } while (start);
    }
    return out.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  }

  async claimRun(tenantId: string, job: string, runKey: string, at: string): Promise<boolean> {
    try {
      await this.db.send(new PutCommand({ TableName: this.tableName, Item: toItem('job_run', tenantId, keys.jobRun(tenantId, job, runKey), { job, runKey, state: 'claimed', at }), ConditionExpression: 'attribute_not_exists(pk) OR #state = :failed', ExpressionAttributeNames: { '#state': 'state' }, ExpressionAttributeValues: { ':failed': 'failed' } }));
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async finishRun(tenantId: string, job: string, runKey: string, state: 'done' | 'failed', details: Record<string, unknown>): Promise<void> {
    await this.db.send(new PutCommand({ TableName: this.tableName, Item: toItem('job_run', tenantId, keys.jobRun(tenantId, job, runKey), { job, runKey, state, ...details }) }));
  }
}

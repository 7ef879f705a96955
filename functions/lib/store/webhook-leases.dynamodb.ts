import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { WebhookLeases } from '../use-cases/ports';
import { keys } from './keys';

/**
 * The webhook sender's per-endpoint slots (#15): one counter item per subscription, `inFlight`
 * taken with a conditional ADD (only while below the limit) and given back with a subtraction.
 * A sender that dies holding a slot (a Lambda timeout) cannot give it back: every acquire pushes
 * `expiresAt` a lease time ahead, so once no slot was taken for that long every holder is long
 * dead (no attempt outlives the sender's timeout, well inside the lease) and the next acquire
 * starts the count again. Idle endpoints' items go with the table's TTL.
 */
export const LEASE_MS = 2 * 60_000;

export class WebhookLeasesRepository implements WebhookLeases {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async acquire(tenantId: string, webhookId: string, { max, now }: { max: number; now: Date }): Promise<boolean> {
    const at = now.getTime();
    const values = { ':one': 1, ':entity': 'counter', ':tenant': tenantId, ':exp': at + LEASE_MS, ':ttl': Math.ceil((at + LEASE_MS) / 1000) + 86_400 };
    const common = { TableName: this.tableName, Key: keys.webhookLease(tenantId, webhookId), ExpressionAttributeNames: { '#ttl': 'ttl' } };
    try {
      await this.db.send(
        new UpdateCommand({
          ...common,
          UpdateExpression: 'ADD inFlight :one SET entity = :entity, tenantId = :tenant, expiresAt = :exp, #ttl = :ttl',
          ConditionExpression: 'attribute_not_exists(inFlight) OR inFlight < :max',
          ExpressionAttributeValues: { ...values, ':max': max },
        }),
      );
      return true;
    } catch (error) {
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
    // Full: unless no slot was taken for a lease time (its holders are gone), then the count starts over.
    try {
      await this.db.send(
        new UpdateCommand({
          ...common,
          UpdateExpression: 'SET inFlight = :one, entity = :entity, tenantId = :tenant, expiresAt = :exp, #ttl = :ttl',
          ConditionExpression: 'expiresAt < :now',
          ExpressionAttributeValues: { ...values, ':now': at },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async release(tenantId: string, webhookId: string): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.webhookLease(tenantId, webhookId),
          UpdateExpression: 'ADD inFlight :minus',
          ConditionExpression: 'inFlight > :zero',
          ExpressionAttributeValues: { ':minus': -1, ':zero': 0 },
        }),
      );
    } catch (error) {
      // Reclaimed meanwhile (the count started over): nothing of ours to give back.
      if (!(error instanceof ConditionalCheckFailedException)) throw error;
    }
  }
}

import { IdempotencyConfig, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { IdempotencyAlreadyInProgressError, IdempotencyValidationError } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Principal } from '../../../domain/access/roles';
import { DomainError } from '../../../domain/errors';

/** A response as the route factory returns it; JSON, so it can be stored and replayed. */
export interface StoredResult {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

type Run = (request: { key: string; body: unknown }, execute: () => Promise<StoredResult>) => Promise<StoredResult>;

/**
 * `Idempotency-Key` on POST (DESIGN §6), through Powertools idempotency on its own table: the same
 * key from the same staff member on the same route replays the first response for 24 h; the same key
 * with a different body is a 422; a retry while the first is still running is a 409. Failures are not
 * stored, so a corrected retry with the same key runs again.
 */
export function createIdempotency(client: DynamoDBClient, tableName: string) {
  const run: Run = makeIdempotent((_request: { key: string; body: unknown }, execute: () => Promise<StoredResult>) => execute(), {
    persistenceStore: new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client }),
    config: new IdempotencyConfig({
      eventKeyJmesPath: 'key',
      payloadValidationJmesPath: 'body',
      expiresAfterSeconds: 24 * 3600,
      responseHook: (response) => {
        const stored = response as StoredResult;
        return { ...stored, headers: { ...stored.headers, 'idempotent-replayed': 'true' } } as typeof response;
      },
    }),
    keyPrefix: 'crm-http',
    dataIndexArgument: 0,
  });

  return async (who: Principal, routeKey: string, idempotencyKey: string, body: unknown, execute: () => Promise<StoredResult>): Promise<StoredResult> => {
    if (!/^[\x21-\x7e]{1,255}$/.test(idempotencyKey)) {
      throw new DomainError('bad_request', 'invalid_idempotency_key', 'Idempotency-Key must be 1–255 visible ASCII characters.');
    }
    try {
      return await run({ key: [who.tenantId, who.staffId, routeKey, idempotencyKey].join('|'), body: body ?? null }, execute);
    } catch (error) {
      if (error instanceof IdempotencyAlreadyInProgressError) {
        throw new DomainError('conflict', 'idempotency_in_progress', 'A request with this Idempotency-Key is still being processed; retry shortly.');
      }
      if (error instanceof IdempotencyValidationError) {
        throw new DomainError('invalid', 'idempotency_key_reused', 'This Idempotency-Key was already used with a different request body.');
      }
      // Powertools wraps the business function's own error; surface the domain error as it was.
      const cause = (error as { cause?: unknown }).cause;
      if (!(error instanceof DomainError) && cause instanceof DomainError) throw cause;
      throw error;
    }
  };
}

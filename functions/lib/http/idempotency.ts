import { IdempotencyAlreadyInProgressError, IdempotencyConfig, IdempotencyValidationError, makeIdempotent } from '@aws-lambda-powertools/idempotency';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Context } from 'aws-lambda';
import { DomainError } from '../../../domain/errors';
import { badRequest } from './errors';

/** A response as the route factory returns it; JSON, so it can be stored and replayed. */
export interface StoredResult {
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface IdempotentRequest {
  /** `tenant|staff`: whose key it is. */
  owner: string;
  /** The concrete request, `POST /v1/clients/c_…/opportunities`: the same key on another path is another request. */
  target: string;
  key: string;
  /** The validated body: its hash tells a retry from a different request reusing the key. */
  body: unknown;
  /** The invocation: an in-progress record expires with it, so a request that died mid-way frees its key. */
  context?: Pick<Context, 'getRemainingTimeInMillis'>;
}

export type Idempotency = (request: IdempotentRequest, execute: () => Promise<StoredResult>) => Promise<StoredResult>;

const KEY = /^[\x21-\x7e]{1,255}$/;

/**
 * `Idempotency-Key` on creating POSTs (DESIGN §6), through Powertools idempotency on its own
 * table: the same key from the same staff member on the same path replays the first response for
 * 24 h; the same key with a different body is a 422; a retry while the first is still running is
 * a 409. Failures are not stored, so a corrected retry with the same key runs again.
 */
export function createIdempotency(client: DynamoDBClient, tableName: string): Idempotency {
  const persistenceStore = new DynamoDBPersistenceLayer({ tableName, awsSdkV3Client: client });
  const options = {
    eventKeyJmesPath: 'key',
    payloadValidationJmesPath: 'body',
    expiresAfterSeconds: 24 * 3600,
    responseHook: (response: unknown) => {
      const stored = response as StoredResult;
      return { ...stored, headers: { ...stored.headers, 'idempotent-replayed': 'true' } } as never;
    },
  };
  return async (request, execute) => {
    if (!KEY.test(request.key)) throw badRequest('invalid_idempotency_key', 'Idempotency-Key must be 1–255 visible ASCII characters.');
    // A config per call: it carries this invocation's context (Lambda serves one at a time, the local server many).
    const config = new IdempotencyConfig(options);
    if (request.context) config.registerLambdaContext(request.context as Context);
    const run = makeIdempotent((_r: { key: string; body: unknown }) => execute(), { persistenceStore, config, keyPrefix: 'crm-http', dataIndexArgument: 0 });
    try {
      return await run({ key: [request.owner, request.target, request.key].join('|'), body: request.body ?? null });
    } catch (error) {
      if (error instanceof IdempotencyAlreadyInProgressError) {
        throw new DomainError('conflict', 'idempotency_in_progress', 'A request with this Idempotency-Key is still being processed; retry shortly.', {}, 1);
      }
      if (error instanceof IdempotencyValidationError) {
        throw new DomainError('invalid', 'idempotency_key_reused', 'This Idempotency-Key was already used with a different request body.');
      }
      // Powertools wraps the business function's own error; surface it as it was.
      const cause = (error as { cause?: unknown }).cause;
      if (cause instanceof Error && !(error instanceof DomainError)) throw cause;
      throw error;
    }
  };
}

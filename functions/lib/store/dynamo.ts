import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { Config } from '../config';
import { traced } from '../observability';

/** One DynamoDB client per process. Locally the endpoint points at DynamoDB Local. */
export function createDynamoClient(cfg: Pick<Config, 'AWS_REGION' | 'DYNAMODB_ENDPOINT'>): DynamoDBClient {
  // Each call a subsegment of the invocation's X-Ray trace (in Lambda; a no-op elsewhere).
  return traced(new DynamoDBClient({
    region: cfg.AWS_REGION,
    ...(cfg.DYNAMODB_ENDPOINT && {
      endpoint: cfg.DYNAMODB_ENDPOINT,
      // DynamoDB Local accepts any credentials; never reach for a real profile in local mode.
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    }),
    maxAttempts: 3,
  }));
}

export function createDocumentClient(client: DynamoDBClient): DynamoDBDocumentClient {
  return DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true, convertClassInstanceToMap: false } });
}

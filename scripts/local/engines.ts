import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { openChdb } from '../../functions/lib/analytics/analytics.chdb';
import type { Analytics } from '../../functions/lib/analytics/port';
import { applyMigrations } from '../../functions/lib/analytics/schema';
import { startDynamoDbLocal } from './dynamodb-local';

export interface LocalEngines {
  dynamoEndpoint: string;
  region: string;
  tableName: string;
  analytics: Analytics;
}

/**
 * The local stack's engines over `dataDir` (DynamoDB Local's data and chDB's), for a tool run when
 * no `npm start` holds them: started, handed to `fn`, stopped.
 */
export async function withLocalEngines<T>(dataDir: string, fn: (engines: LocalEngines) => Promise<T>): Promise<T> {
  const dynamo = await startDynamoDbLocal({ dataDir: join(dataDir, 'dynamodb') });
  mkdirSync(join(dataDir, 'chdb'), { recursive: true });
  const analytics = openChdb(join(dataDir, 'chdb'));
  try {
    await applyMigrations(analytics);
    return await fn({ dynamoEndpoint: dynamo.endpoint, region: 'ap-south-1', tableName: 'crm', analytics });
  } finally {
    await analytics.close();
    await dynamo.stop();
  }
}

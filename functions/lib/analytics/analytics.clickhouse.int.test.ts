import { createClient } from '@clickhouse/client';
import { createChdbConnection } from 'chdb/connection';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClickHouseAnalytics } from './analytics.clickhouse';
import { describeAnalyticsAdapter } from './port.contract';

// The HTTP adapter's code path (query params, JSONEachRow, settings) through @clickhouse/client,
// with chDB standing in for the server via the client's connection hook: no server needed.
const dir = mkdtempSync(join(tmpdir(), 'clickhouse-port-'));
// chdb types the hook against its own copy of @clickhouse/client-common; the shapes are the same.
type Connection = NonNullable<NonNullable<Parameters<typeof createClient>[0]>['connection']>;
describeAnalyticsAdapter(
  '@clickhouse/client',
  async () => new ClickHouseAnalytics(createClient({ connection: createChdbConnection({ path: dir }) as unknown as Connection })),
  () => rmSync(dir, { recursive: true, force: true }),
);

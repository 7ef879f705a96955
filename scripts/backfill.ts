import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { backfill, type BackfillResult } from '../functions/lib/analytics/backfill';
import type { Analytics } from '../functions/lib/analytics/port';
import { DERIVED_TABLES, FACT_TABLES } from '../functions/lib/analytics/schema';
import { createDocumentClient, createDynamoClient } from '../functions/lib/store/dynamo';
import { runOnStack } from './local/control';

/**
 * `npm run backfill [-- --tenant demo] [--truncate] [--segments 4]`: rebuilds the ClickHouse
 * facts from a DynamoDB scan (functions/lib/analytics/backfill.ts). On the local stack: through the
 * running `npm start` when there is one (chDB allows one process per data directory), else on its
 * own DynamoDB Local and chDB over .local/. In AWS: `AWS_REGION`, `TABLE_NAME` and the ClickHouse
 * settings of the loader (CLICKHOUSE_URL, … or CLICKHOUSE_SECRET_ARN) select the engines.
 */
export const BackfillArgs = z.strictObject({
  tenant: z.string().min(1).optional(),
  truncate: z.boolean().default(false),
  segments: z.coerce.number().int().min(1).max(64).default(4),
});
export type BackfillArgs = z.input<typeof BackfillArgs>;

/** The tables a backfill rebuilds: all of them (the derived ones refill from the facts through their views). */
export const REBUILT = [...FACT_TABLES, ...DERIVED_TABLES];

export async function runBackfill(engines: { dynamoEndpoint?: string; region: string; tableName: string; analytics: Analytics }, raw: BackfillArgs): Promise<BackfillResult & { seconds: number; truncated: boolean }> {
  const args = BackfillArgs.parse(raw);
  const started = performance.now();
  if (args.truncate) {
    for (const table of REBUILT) {
      await (args.tenant
        ? engines.analytics.command(`ALTER TABLE ${table} DELETE WHERE tenant_id = {tenant:String} SETTINGS mutations_sync = 1`, { tenant: args.tenant })
        : engines.analytics.command(`TRUNCATE TABLE ${table}`));
    }
  }
  const ddb = createDynamoClient({ AWS_REGION: engines.region, ...(engines.dynamoEndpoint && { DYNAMODB_ENDPOINT: engines.dynamoEndpoint }) });
  try {
    const result = await backfill({ db: createDocumentClient(ddb), tableName: engines.tableName, analytics: engines.analytics, segments: args.segments, ...(args.tenant && { tenantId: args.tenant }) });
    return { ...result, seconds: Math.round((performance.now() - started) / 10) / 100, truncated: args.truncate };
  } finally {
    ddb.destroy();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { tenant: { type: 'string' }, truncate: { type: 'boolean', default: false }, segments: { type: 'string', default: '4' } } });
  const args = { ...(values.tenant && { tenant: values.tenant }), truncate: values.truncate ?? false, segments: Number(values.segments) };
  const dataDir = resolve(process.env.CRM_DATA_DIR ?? '.local');
  const aws = process.env.BACKFILL_TARGET === 'aws';
  const { where, result } = aws
    ? { where: 'AWS', result: await (async () => {
        const { getAnalytics } = await import('../functions/lib/analytics');
        return runBackfill({ region: process.env.AWS_REGION ?? 'ap-south-1', tableName: process.env.TABLE_NAME ?? 'crm', analytics: await getAnalytics() }, args);
      })() }
    : await runOnStack(dataDir, 'backfill', args, async () => {
        const { withLocalEngines } = await import('./local/engines');
        return withLocalEngines(dataDir, (engines) => runBackfill(engines, args));
      });
  console.log(`backfill (${where}):`, JSON.stringify(result));
  process.exit(0);
}

import type { CdkCustomResourceEvent, CdkCustomResourceResponse } from 'aws-lambda';
import { getAnalytics } from '../lib/analytics';
import { applyMigrations } from '../lib/analytics/schema';
import { pipelineConfig } from '../lib/config';
import { logger } from '../lib/logger';

/** One schema per stack: an Update never replaces it (a new id would make CloudFormation send a Delete). */
export const SCHEMA_RESOURCE_ID = 'clickhouse-schema';

/**
 * The ClickHouse schema as a CloudFormation custom resource (the onEvent handler of a
 * custom_resources.Provider in infra/stacks/analytics.ts): Create and Update apply the migrations
 * not applied yet (functions/lib/analytics/schema.ts; each is recorded, so a rerun applies
 * nothing), and an error fails the deployment before the loader's queue mapping is created or
 * changed. Update comes whenever the migration list or the endpoint changes (the resource's
 * properties). Delete leaves the tables alone: the facts outlive the stack, and can be rebuilt
 * only from DynamoDB (`npm run backfill`).
 *
 * Until the stack's ClickHouseUrl parameter is set there is nothing to migrate: Create and Update
 * succeed without a call, and the stack keeps the loader's mapping disabled meanwhile.
 */
export const handler = async (event: CdkCustomResourceEvent): Promise<CdkCustomResourceResponse> => {
  const physicalResourceId = event.RequestType === 'Create' ? SCHEMA_RESOURCE_ID : event.PhysicalResourceId;
  if (event.RequestType === 'Delete') {
    logger.info('schema left in place on delete', { physicalResourceId });
    return { PhysicalResourceId: physicalResourceId };
  }
  const cfg = pipelineConfig();
  if (!cfg.CLICKHOUSE_URL && cfg.ANALYTICS_MODE !== 'chdb') {
    logger.warn('no ClickHouse endpoint configured (ClickHouseUrl is empty): no migration applied', { requestType: event.RequestType });
    return { PhysicalResourceId: physicalResourceId, Data: { Applied: '', Configured: 'false' } };
  }
  const applied = await applyMigrations(await getAnalytics());
  logger.info('migrations applied', { requestType: event.RequestType, applied, migrations: event.ResourceProperties.Migrations });
  return { PhysicalResourceId: physicalResourceId, Data: { Applied: applied.join(','), Configured: 'true' } };
};

import { pipelineConfig } from '../config';
import type { Analytics } from './port';

export type { Analytics, QueryParams, Row } from './port';

let analytics: Promise<Analytics> | undefined;

/** The local stack plugs in the chDB session it opened; `undefined` removes it. */
export function installAnalytics(local: Analytics | undefined): void {
  analytics = local ? Promise.resolve(local) : undefined;
}

/** The process's analytics adapter, built once from the environment (ANALYTICS_MODE). */
export function getAnalytics(): Promise<Analytics> {
  analytics ??= build().catch((error: unknown) => {
    analytics = undefined;
    throw error;
  });
  return analytics;
}

async function build(): Promise<Analytics> {
  const cfg = pipelineConfig();
  if (cfg.ANALYTICS_MODE === 'chdb') {
    if (!cfg.CHDB_PATH) throw new Error('CHDB_PATH is required when ANALYTICS_MODE=chdb');
    // Imported only here: the native engine never loads in a Lambda bundle (mark `chdb` external).
    const { openChdb } = await import('./analytics.chdb');
    return openChdb(cfg.CHDB_PATH);
  }
  if (!cfg.CLICKHOUSE_URL) throw new Error('CLICKHOUSE_URL is required unless ANALYTICS_MODE=chdb');
  const { ClickHouseAnalytics, createClickHouseClient } = await import('./analytics.clickhouse');
  return new ClickHouseAnalytics(
    createClickHouseClient({ url: cfg.CLICKHOUSE_URL, username: cfg.CLICKHOUSE_USER, password: cfg.CLICKHOUSE_PASSWORD, database: cfg.CLICKHOUSE_DATABASE }),
  );
}

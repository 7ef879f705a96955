import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { assertTableName, ENGINE_SETTINGS, insertSettings, type Analytics, type InsertOptions, type QueryParams, type Row } from './port';

/** ClickHouse over HTTP (ClickHouse Cloud or self-hosted). */
export class ClickHouseAnalytics implements Analytics {
  constructor(private readonly client: ClickHouseClient) {}

  async query<T = Row>(sql: string, params: QueryParams = {}): Promise<T[]> {
    const result = await this.client.query({ query: sql, query_params: params, format: 'JSONEachRow', clickhouse_settings: ENGINE_SETTINGS });
    return result.json<T>();
  }

  async insert(table: string, rows: readonly Row[], opts?: InsertOptions): Promise<void> {
    if (rows.length === 0) return;
    await this.client.insert({ table: assertTableName(table), values: rows as Row[], format: 'JSONEachRow', clickhouse_settings: { ...ENGINE_SETTINGS, ...insertSettings(opts) } });
  }

  async command(sql: string, params: QueryParams = {}): Promise<void> {
    await this.client.command({ query: sql, query_params: params, clickhouse_settings: ENGINE_SETTINGS });
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

export function createClickHouseClient(cfg: { url: string; username?: string | undefined; password?: string | undefined; database?: string | undefined }): ClickHouseClient {
  return createClient({
    url: cfg.url,
    ...(cfg.username && { username: cfg.username }),
    ...(cfg.password && { password: cfg.password }),
    ...(cfg.database && { database: cfg.database }),
    request_timeout: 30_000,
  });
}

import { ClickHouseLogLevel, createClient, type ClickHouseClient, type ClickHouseSettings, type ErrorLogParams, type Logger, type LogParams, type WarnLogParams } from '@clickhouse/client';
import { logger } from '../logger';
import { assertTableName, ENGINE_SETTINGS, insertSettings, type Analytics, type InsertOptions, type QueryParams, type ReportQuerySettings, type Row } from './port';

/** ClickHouse over HTTP (ClickHouse Cloud or self-hosted). */
export class ClickHouseAnalytics implements Analytics {
  constructor(private readonly client: ClickHouseClient) {}

  async query<T = Row>(sql: string, params: QueryParams = {}): Promise<T[]> {
    const result = await this.client.query({ query: sql, query_params: params, format: 'JSONEachRow', clickhouse_settings: ENGINE_SETTINGS });
    return result.json<T>();
  }

  /**
   * The report's bounds also as the request's settings (max_execution_time, max_result_rows, …):
   * readonly is left to the query's own SETTINGS clause, where it comes last — as a request setting
   * it would forbid the engine settings sent beside it.
   */
  async runReport(sql: string, params: QueryParams, settings: ReportQuerySettings): Promise<Row[]> {
    const { readonly: _readonly, ...bounds } = settings;
    const result = await this.client.query({ query: sql, query_params: params, format: 'JSONEachRow', clickhouse_settings: { ...ENGINE_SETTINGS, ...bounds } as ClickHouseSettings });
    return result.json<Row>();
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

export interface ClickHouseClientConfig {
  url: string;
  username?: string | undefined;
  password?: string | undefined;
  database?: string | undefined;
  /**
   * How long one request may take before the client aborts it. Keep it below the calling
   * function's timeout, so a hung request fails as an error the batch reports and retries rather
   * than as a Lambda timeout that leaves nothing in the logs. @default 20 s (loader: 30 s function)
   */
  requestTimeoutMs?: number | undefined;
}

export const DEFAULT_REQUEST_TIMEOUT_MS = 20_000;

/** The credentials travel as HTTP basic auth (a header), never in the URL. */
export function createClickHouseClient(cfg: ClickHouseClientConfig): ClickHouseClient {
  return createClient({
    url: cfg.url,
    ...(cfg.username && { username: cfg.username }),
    ...(cfg.password && { password: cfg.password }),
    ...(cfg.database && { database: cfg.database }),
    request_timeout: cfg.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    // Warnings and errors only (lower levels carry values that may need redacting), as structured
    // JSON through the process's logger rather than multi-line console text.
    log: { LoggerClass: PowertoolsLogger, level: ClickHouseLogLevel.WARN },
  });
}

/** The client's log events, through Powertools (its level, its JSON, its request context). */
class PowertoolsLogger implements Logger {
  trace({ module, message, args }: LogParams): void {
    logger.debug(message, { module, ...args });
  }
  debug({ module, message, args }: LogParams): void {
    logger.debug(message, { module, ...args });
  }
  info({ module, message, args }: LogParams): void {
    logger.info(message, { module, ...args });
  }
  warn({ module, message, args, err }: WarnLogParams): void {
    logger.warn(message, { module, ...args, ...(err && { error: err }) });
  }
  error({ module, message, args, err }: ErrorLogParams): void {
    logger.error(message, { module, ...args, error: err });
  }
}

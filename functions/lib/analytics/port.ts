/**
 * The analytics port: the only way code reaches ClickHouse. Two adapters implement it, with the
 * same SQL: `@clickhouse/client` over HTTP (AWS, self-hosted) and chDB in-process (local stack).
 *
 * Values never enter SQL text: placeholders are `{name:Type}` and bound by the engine
 * (ClickHouse server-side parameters). Rows come back as JSON objects; 64-bit integers as numbers.
 */
export type QueryParams = Record<string, string | number | boolean | null | readonly (string | number)[]>;
export type Row = Record<string, unknown>;

export interface InsertOptions {
  /** ClickHouse `insert_deduplication_token`: identical tokens within the table's window insert once. */
  deduplicationToken?: string;
}

export const insertSettings = (opts: InsertOptions = {}): Record<string, string> => (opts.deduplicationToken ? { insert_deduplication_token: opts.deduplicationToken } : {});

/** The settings a report runs with (domain/reports/compile.ts boundSettings). */
export type ReportQuerySettings = Record<string, string | number>;

export interface Analytics {
  /** The rows of one SELECT. */
  query<T = Row>(sql: string, params?: QueryParams): Promise<T[]>;
  /**
   * Appends rows (objects keyed by column name) to a table in one insert. With a
   * `deduplicationToken`, the same insert sent again (a retried batch) is dropped by the engine.
   */
  insert(table: string, rows: readonly Row[], opts?: InsertOptions): Promise<void>;
  /**
   * A report's query (domain/reports/compile.ts): its SQL already ends with its bounding SETTINGS
   * (readonly = 1 last); `settings` are those same bounds, which the HTTP adapter also sends as the
   * request's settings (all but readonly, which the query's own clause sets), so the server applies
   * them whatever the text. Rows as JSON objects keyed by the positional aliases (d0…, m0…, r0…).
   */
  runReport(sql: string, params: QueryParams, settings: ReportQuerySettings): Promise<Row[]>;
  /** A statement without rows (DDL, OPTIMIZE, …). */
  command(sql: string, params?: QueryParams): Promise<void>;
  close(): Promise<void>;
}

/** Table names are code, not input; still, refuse anything but a plain (optionally db-qualified) identifier. */
export function assertTableName(table: string): string {
  if (!/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)?$/.test(table)) throw new Error(`not a table name: ${table}`);
  return table;
}

/** Rows as JSONEachRow text, the insert format both adapters send. */
export const toJsonEachRow = (rows: readonly Row[]) => rows.map((r) => JSON.stringify(r)).join('\n');

/**
 * Engine settings both adapters apply, so the same query reads the same way on either:
 * 64-bit integers as JSON numbers, ISO-8601 timestamps accepted on insert.
 */
export const ENGINE_SETTINGS = { output_format_json_quote_64bit_integers: 0, date_time_input_format: 'best_effort' } as const;

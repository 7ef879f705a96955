import { drainPending, Session } from 'chdb';
import { assertTableName, ENGINE_SETTINGS, insertSettings, toJsonEachRow, type Analytics, type InsertOptions, type QueryParams, type ReportQuerySettings, type Row } from './port';

/**
 * chDB, the ClickHouse engine in-process (local stack, tests). libchdb binds one data directory
 * per process (node_modules/chdb/README.md, "One data directory at a time"), so there is one
 * Session per process, shared by everyone who asks for the same path; asking for a different
 * path while one is open is an error rather than a silent switch.
 */
let open: { path: string; analytics: ChdbAnalytics } | undefined;

const SETTINGS = Object.entries(ENGINE_SETTINGS).map(([name, value]) => `--${name}=${value}`);

export function openChdb(path: string): ChdbAnalytics {
  if (open) {
    if (open.path !== path) throw new Error(`chDB is open at ${open.path}; one data directory per process (asked for ${path})`);
    return open.analytics;
  }
  const analytics = new ChdbAnalytics(new Session(path, { connectionArgs: SETTINGS }), () => {
    open = undefined;
  });
  open = { path, analytics };
  return analytics;
}

export class ChdbAnalytics implements Analytics {
  constructor(
    private readonly session: Session,
    private readonly onClose: () => void,
  ) {}

  get path(): string {
    return this.session.path;
  }

  async query<T = Row>(sql: string, params: QueryParams = {}): Promise<T[]> {
    const result = await this.session.queryBindAsync(sql, params, { format: 'JSONEachRow' });
    const text = result.text();
    return text.length === 0 ? [] : text.trimEnd().split('\n').map((line) => JSON.parse(line) as T);
  }

  /** The query's own SETTINGS clause bounds it (chDB applies it to that query); `settings` are for the HTTP adapter. */
  async runReport(sql: string, params: QueryParams, _settings: ReportQuerySettings): Promise<Row[]> {
    return this.query<Row>(sql, params);
  }

  async insert(table: string, rows: readonly Row[], opts?: InsertOptions): Promise<void> {
    if (rows.length === 0) return;
    // Raw JSONEachRow bytes, parsed by the engine: no values in SQL text.
    await this.session.insert({ table: assertTableName(table), values: Buffer.from(toJsonEachRow(rows)), format: 'JSONEachRow', settings: insertSettings(opts) });
  }

  async command(sql: string, params: QueryParams = {}): Promise<void> {
    await this.session.queryBindAsync(sql, params, { format: 'Null' });
  }

  /** Closes the session and waits until the engine has really let go of the directory. */
  async close(): Promise<void> {
    this.session.close();
    this.onClose();
    await drainPending();
  }
}

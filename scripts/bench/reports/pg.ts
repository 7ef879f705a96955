import type pg from 'pg';

/**
 * PostgreSQL translations of the prebuilt reports that bench:reports finds slowest on chDB, written
 * by hand from the SQL compileCatalogueReport emits (domain/reports/compile.ts), with the same
 * semantics and output aliases (d0…, m0…, r0…) so the benchmark can check both engines return the
 * same rows and totals:
 *   opportunity_state FINAL              → DISTINCT ON (opportunity_id) … ORDER BY opportunity_id, version DESC
 *   (the other facts: one row per key)   → the table itself
 *   uniqExact / countIf / sum of a bool  → COUNT(DISTINCT …) / COUNT(*) FILTER (WHERE …)
 *   quantileExactInclusive(p)            → percentile_cont(p) WITHIN GROUP (ORDER BY …)
 *   toStartOfMonth(x, tz)                → date_trunc('month', x AT TIME ZONE tz)::date
 *   if(d = 0, NULL, n / d)               → n::float8 / NULLIF(d, 0)
 * The scope predicate is the compiler's (the source's staff columns, any of them in the caller's
 * staff); the planner gets the SQL as written, with the indexes of PG_REPORT_INDEXES.
 */

/** A report run's inputs, as compileCatalogueReport binds them (instants ISO-8601, dates YYYY-MM-DD). */
export interface PgRunArgs {
  tenant: string;
  /** The staff scope; undefined: the whole tenant. */
  staff?: readonly string[];
  /** The period as instants (datetime periods) and as local days (date periods). */
  start?: string;
  end?: string;
  from?: string;
  to?: string;
  asOf: string;
  highValue: number;
  sla: number;
  tz: string;
  limit: number;
}

/** Placeholders bound in order of first use, each with its cast. */
class Query {
  readonly values: unknown[] = [];
  private readonly index = new Map<string, string>();
  constructor(readonly args: PgRunArgs) {}
  private bind(name: keyof PgRunArgs, cast: string): string {
    let placeholder = this.index.get(name);
    if (!placeholder) {
      this.values.push(this.args[name] === undefined ? null : Array.isArray(this.args[name]) ? [...(this.args[name] as string[])] : this.args[name]);
      placeholder = `$${this.values.length}::${cast}`;
      this.index.set(name, placeholder);
    }
    return placeholder;
  }
  get tenant() {
    return this.bind('tenant', 'text');
  }
  get asOf() {
    return this.bind('asOf', 'timestamptz');
  }
  get tz() {
    return this.bind('tz', 'text');
  }
  get highValue() {
    return this.bind('highValue', 'bigint');
  }
  get sla() {
    return this.bind('sla', 'float8');
  }
  get limit() {
    return this.bind('limit', 'int');
  }
  /** `AND column >= start AND column < end` (a datetime period). */
  period(column: string): string {
    return `AND ${column} >= ${this.bind('start', 'timestamptz')} AND ${column} < ${this.bind('end', 'timestamptz')}`;
  }
  /** `AND column BETWEEN from AND to` (a date period). */
  days(column: string): string {
    return `AND ${column} >= ${this.bind('from', 'date')} AND ${column} <= ${this.bind('to', 'date')}`;
  }
  /** The compiler's scope predicate: any of the columns (arrays: any element) in the caller's staff. */
  scope(columns: readonly string[], arrays: readonly string[] = []): string {
    if (!this.args.staff) return '';
    const staff = this.bind('staff', 'text[]');
    return `AND (${[...columns.map((c) => `${c} = ANY(${staff})`), ...arrays.map((c) => `${c} && ${staff}`)].join(' OR ')})`;
  }
}

/** A translation: the rows query, or (totals) the same measures over every row read, no grouping. */
type Translation = (q: Query, totals: boolean) => string;

/** The latest version of each opportunity (opportunity_state FINAL). */
const latestOpportunities = (q: Query) => `
  SELECT DISTINCT ON (opportunity_id) * FROM opportunity_state WHERE tenant_id = ${q.tenant} ORDER BY opportunity_id, version DESC`;
const OPPORTUNITY_SCOPE = ['assigned_to', 'lead_owner', 'closing_owner'];
const opportunityScope = (q: Query) => q.scope(OPPORTUNITY_SCOPE, ['co_salespersons']);

/** GROUP BY / ORDER BY / LIMIT of a rows query; nothing for totals. */
const grouped = (q: Query, totals: boolean, group: string, order: string) => (totals ? '' : `GROUP BY ${group} ORDER BY ${order} LIMIT ${q.limit}`);
/** A dimension's select item, left out of totals. */
const dim = (totals: boolean, ...items: string[]) => (totals ? '' : `${items.join(', ')},`);

export const PG_REPORTS: Record<string, Translation> = {};

export interface PgRun {
  rows: Record<string, unknown>[];
  totals?: Record<string, unknown>;
}

/** Runs a translated report (rows and totals side by side, as the use case does on ClickHouse). */
export async function runPgReport(pool: pg.Pool, id: string, args: PgRunArgs, withTotals: boolean): Promise<PgRun> {
  const t = PG_REPORTS[id]!;
  const build = (totals: boolean) => {
    const q = new Query(args);
    return { text: t(q, totals), values: q.values };
  };
  const [rows, totals] = await Promise.all([pool.query(build(false)), withTotals ? pool.query(build(true)) : undefined]);
  return { rows: rows.rows, ...(totals && { totals: totals.rows[0] }) };
}

/** Indexes for the translated reports' reads, beyond the dashboards' (scripts/bench/dashboards/postgres.ts). */
export const PG_REPORT_INDEXES: string[] = [];

void latestOpportunities;
void opportunityScope;
void grouped;
void dim;

import type pg from 'pg';
import type { ProductRevenue } from '../../../domain/catalogue/product-mix';
import type { Stage } from '../../../domain/pipeline/stages';
import { noAchievement } from '../../../domain/targets/achievement';
import { noConversions } from '../../../domain/targets/conversion';
import type { EventTally, FactWindow, OpenDeal, StaffFigures } from '../../../functions/lib/use-cases/ports';

/**
 * The dashboards' queries of functions/lib/analytics/insights.ts, translated to PostgreSQL one for
 * one, with the same semantics (distinct natural keys, the latest version of each opportunity) and
 * the same result shapes, so the benchmark can check that both engines give the same answers:
 *   uniqExact(x) / uniqExactIf(x, c)   → COUNT(DISTINCT x) / COUNT(DISTINCT x) FILTER (WHERE c)
 *   sumIf(x, c)                         → COALESCE(SUM(x) FILTER (WHERE c), 0)
 *   argMax(col, version) GROUP BY id    → DISTINCT ON (id) … ORDER BY id, version DESC
 *   any(col) GROUP BY credit_id         → DISTINCT ON (credit_id) (the copies of a key are identical)
 *   x IN {staff:Array(String)}          → x = ANY($n::text[])
 *   countIf(c)                          → COUNT(*) FILTER (WHERE c)
 * The SQL is left to the planner as written; the indexes are in postgres.ts (PG_INDEXES).
 */

const staffFilter = (column: string, staff: readonly string[] | undefined, n: number) => (staff ? `AND ${column} = ANY($${n}::text[])` : '');
const windowArgs = (tenantId: string, w: FactWindow, staff: readonly string[] | undefined): unknown[] => [tenantId, w.start, w.end, ...(staff ? [[...staff]] : [])];
const IN_WINDOW = (column: string) => `${column} >= $2::timestamptz AND ${column} < $3::timestamptz`;

const latestOpportunities = (staff: boolean) => `
  SELECT DISTINCT ON (opportunity_id) opportunity_id, assigned_to, stage, status, deal_value, stage_changed_at AS since
  FROM opportunity_state
  WHERE tenant_id = $1
    ${staff ? 'AND opportunity_id IN (SELECT opportunity_id FROM opportunity_state WHERE tenant_id = $1 AND assigned_to = ANY($2::text[]))' : ''}
  ORDER BY opportunity_id, version DESC`;

export const PG_SQL = {
  figuresActivities: (staff: readonly string[] | undefined) => `
    SELECT staff_id,
           COUNT(DISTINCT event_id) FILTER (WHERE kind = 'completed' AND event_type = 'Call') AS calls,
           COUNT(DISTINCT event_id) FILTER (WHERE kind = 'scheduled' AND event_type = 'DemoScheduled') AS demos,
           COUNT(DISTINCT event_id) FILTER (WHERE kind = 'scheduled' AND event_type = 'VisitScheduled') AS visits
    FROM activities
    WHERE tenant_id = $1 ${staffFilter('staff_id', staff, 4)} AND kind IN ('completed', 'scheduled')
      AND event_type IN ('Call', 'DemoScheduled', 'VisitScheduled') AND ${IN_WINDOW('at')}
    GROUP BY staff_id`,
  figuresTransitions: (staff: readonly string[] | undefined) => `
    SELECT assigned_to AS staff_id,
           COUNT(DISTINCT opportunity_id) FILTER (WHERE stage = 'Qualified') AS qualified,
           COUNT(DISTINCT opportunity_id) FILTER (WHERE stage = 'Potential') AS potential,
           COUNT(DISTINCT opportunity_id) FILTER (WHERE stage = 'Demo') AS demo,
           COUNT(DISTINCT opportunity_id) FILTER (WHERE stage = 'Closed') AS won
    FROM stage_transitions
    WHERE tenant_id = $1 ${staffFilter('assigned_to', staff, 4)} AND stage IN ('Qualified', 'Potential', 'Demo', 'Closed')
      AND newly_reached = 1 AND ${IN_WINDOW('at')}
    GROUP BY assigned_to`,
  figuresRevenue: (staff: readonly string[] | undefined) => `
    SELECT credited AS staff_id, SUM(credited_amount) AS revenue FROM (
      SELECT DISTINCT ON (credit_id) credit_id, staff_id AS credited, amount AS credited_amount FROM revenue_credits
      WHERE tenant_id = $1 ${staffFilter('staff_id', staff, 4)} AND ${IN_WINDOW('won_at')}
      ORDER BY credit_id) AS credits
    GROUP BY credited`,
  openPipeline: (staff: readonly string[] | undefined) => `
    SELECT assigned_to AS staff_id, stage, SUM(deal_value) AS value FROM (${latestOpportunities(!!staff)}) AS latest
    WHERE status = 'open' ${staffFilter('assigned_to', staff, 2)}
    GROUP BY assigned_to, stage`,
  eventTallies: (staff: readonly string[] | undefined) => `
    SELECT staff_id, event_type AS type,
           COUNT(DISTINCT event_id) FILTER (WHERE kind = 'scheduled') AS scheduled,
           COUNT(DISTINCT event_id) FILTER (WHERE kind = 'completed') AS completed,
           COUNT(DISTINCT event_id) FILTER (WHERE kind = 'missed') AS missed
    FROM activities
    WHERE tenant_id = $1 ${staffFilter('staff_id', staff, 4)} AND ${IN_WINDOW('at')}
    GROUP BY staff_id, event_type
    ORDER BY staff_id, type`,
  productRevenue: (staff: readonly string[] | undefined) => `
    SELECT product_id, SUM(amount) AS revenue, COALESCE(SUM(amount) FILTER (WHERE deal_value >= $${staff ? 5 : 4}), 0) AS high, COUNT(DISTINCT opportunity_id) AS deals FROM (
      SELECT DISTINCT ON (credit_id) credit_id, product_id, opportunity_id, amount, deal_value
      FROM revenue_credits
      WHERE tenant_id = $1 ${staffFilter('staff_id', staff, 4)} AND ${IN_WINDOW('won_at')}
      ORDER BY credit_id) AS credits
    GROUP BY product_id`,
  // The pending follow-ups are computed once (a CTE) and joined: written as in ClickHouse (IN in the
  // select list, then filtered on it), PostgreSQL runs the subplan twice.
  pipelineHealth: () => `
    WITH open AS MATERIALIZED (SELECT * FROM (${latestOpportunities(true)}) AS latest WHERE status = 'open' AND assigned_to = ANY($2::text[])),
    pending AS MATERIALIZED (
      SELECT DISTINCT opportunity_id FROM activities
      WHERE tenant_id = $1 AND opportunity_id IN (SELECT opportunity_id FROM open)
      GROUP BY opportunity_id, event_id
      HAVING COUNT(*) FILTER (WHERE kind = 'scheduled') > 0 AND COUNT(*) FILTER (WHERE kind IN ('completed', 'missed')) = 0)
    SELECT o.opportunity_id, o.assigned_to, o.stage, o.deal_value, o.since,
           p.opportunity_id IS NOT NULL AS next_step, o.since < $3::timestamptz AS stale
    FROM open AS o LEFT JOIN pending AS p ON p.opportunity_id = o.opportunity_id
    WHERE p.opportunity_id IS NULL OR o.since < $3::timestamptz
    ORDER BY o.since, o.opportunity_id`,
};

const iso = (d: unknown) => (d instanceof Date ? d.toISOString() : new Date(String(d)).toISOString());

/** The PostgreSQL twin of ClickHouseInsights (the methods the dashboards call), the same shapes out. */
export class PgInsights {
  constructor(private readonly pool: pg.Pool) {}

  private async rows<T>(sql: string, args: unknown[]): Promise<T[]> {
    return (await this.pool.query(sql, args)).rows as T[];
  }

  async figures(tenantId: string, staff: readonly string[] | undefined, w: FactWindow): Promise<Map<string, StaffFigures>> {
    if (staff?.length === 0) return new Map();
    const args = windowArgs(tenantId, w, staff);
    type A = { staff_id: string; calls: string; demos: string; visits: string };
    type T = { staff_id: string; qualified: string; potential: string; demo: string; won: string };
    type R = { staff_id: string; revenue: string };
    const [activities, transitions, revenue] = await Promise.all([
      this.rows<A>(PG_SQL.figuresActivities(staff), args),
      this.rows<T>(PG_SQL.figuresTransitions(staff), args),
      this.rows<R>(PG_SQL.figuresRevenue(staff), args),
    ]);
    const out = new Map<string, StaffFigures>();
    const of = (id: string) => out.get(id) ?? out.set(id, { achievement: { ...noAchievement }, conversion: { ...noConversions } }).get(id)!;
    for (const r of activities) {
      const f = of(r.staff_id);
      Object.assign(f.achievement, { calls: Number(r.calls), demos: Number(r.demos), visits: Number(r.visits) });
      f.conversion.calls = Number(r.calls);
    }
    for (const r of transitions) {
      const f = of(r.staff_id);
      Object.assign(f.achievement, { qualified: Number(r.qualified), potential: Number(r.potential) });
      Object.assign(f.conversion, { qualified: Number(r.qualified), potential: Number(r.potential), demo: Number(r.demo), won: Number(r.won) });
    }
    for (const r of revenue) of(r.staff_id).achievement.revenue = Number(r.revenue);
    return out;
  }

  async openPipeline(tenantId: string, staff: readonly string[] | undefined): Promise<Map<string, Partial<Record<Stage, number>>>> {
    if (staff?.length === 0) return new Map();
    const rows = await this.rows<{ staff_id: string; stage: Stage; value: string }>(PG_SQL.openPipeline(staff), [tenantId, ...(staff ? [[...staff]] : [])]);
    const out = new Map<string, Partial<Record<Stage, number>>>();
    for (const r of rows) (out.get(r.staff_id) ?? out.set(r.staff_id, {}).get(r.staff_id)!)[r.stage] = Number(r.value);
    return out;
  }

  async eventTallies(tenantId: string, staff: readonly string[] | undefined, w: FactWindow): Promise<EventTally[]> {
    if (staff?.length === 0) return [];
    const rows = await this.rows<{ staff_id: string; type: string; scheduled: string; completed: string; missed: string }>(PG_SQL.eventTallies(staff), windowArgs(tenantId, w, staff));
    return rows.map((r) => ({ staffId: r.staff_id, type: r.type, scheduled: Number(r.scheduled), completed: Number(r.completed), missed: Number(r.missed) }));
  }

  async productRevenue(tenantId: string, staff: readonly string[] | undefined, w: FactWindow, threshold: number): Promise<ProductRevenue[]> {
    if (staff?.length === 0) return [];
    const rows = await this.rows<{ product_id: string; revenue: string; high: string; deals: string }>(PG_SQL.productRevenue(staff), [...windowArgs(tenantId, w, staff), threshold]);
    return rows.map((r) => ({ productId: r.product_id, revenue: Number(r.revenue), highValueRevenue: Number(r.high), deals: Number(r.deals) }));
  }

  async pipelineHealth(tenantId: string, staff: readonly string[], opts: { staleBefore: string; limit: number }) {
    const none = { noNextStep: { count: 0, deals: [] as OpenDeal[] }, stale: { count: 0, deals: [] as OpenDeal[] } };
    if (staff.length === 0) return none;
    type D = { opportunity_id: string; assigned_to: string; stage: Stage; deal_value: string; since: Date; next_step: boolean; stale: boolean };
    const rows = await this.rows<D>(PG_SQL.pipelineHealth(), [tenantId, [...staff], opts.staleBefore]);
    const deal = (r: D): OpenDeal => ({ opportunityId: r.opportunity_id, assignedTo: r.assigned_to, stage: r.stage, dealValue: Number(r.deal_value), since: iso(r.since) });
    const noNext = rows.filter((r) => !r.next_step);
    const stale = rows.filter((r) => r.stale);
    return {
      noNextStep: { count: noNext.length, deals: noNext.slice(0, opts.limit).map(deal) },
      stale: { count: stale.length, deals: stale.slice(0, opts.limit).map(deal) },
    };
  }
}

import type { ProductRevenue } from '../../../domain/catalogue/product-mix';
import type { Stage } from '../../../domain/pipeline/stages';
import { noAchievement } from '../../../domain/targets/achievement';
import { noConversions } from '../../../domain/targets/conversion';
import type { EventTally, ExplainableFigure, FactRef, FactWindow, Insights, LeadFlow, LeadResponse, OpenDeal, StaffFigures } from '../use-cases/ports';
import { toDateTime64 } from './facts';
import { unavailable } from '../http/errors';
import { logger } from '../logger';
import type { Analytics, QueryParams } from './port';

/**
 * The dashboards' reads of the fact tables (schema.ts), one SQL text per figure, the same on
 * chDB and ClickHouse. Exact before ClickHouse has merged duplicates away: the counters read with
 * FINAL, which collapses the copies of a fact (a redelivered event gives the same row, and every
 * fact table's sorting key ends with its natural key, so copies share the whole key) before
 * counting — cheaper than hashing every id with uniqExact — and states are the latest version
 * (argMax, or FINAL on opportunity_state).
 *
 * What each counter counts (DESIGN §3 Auto tracking), credited to:
 *   calls      Call events completed                        who completed them (activities.staff_id)
 *   demos      Demo Scheduled events put in the diary       who scheduled them
 *   visits     Visit Scheduled events put in the diary      who scheduled them
 *   qualified  opportunities reaching Qualified, once each  the assignee when it got there
 *   potential  … Potential; `demo` … Demo; `won` … Closed   (stage_transitions.assigned_to)
 *   revenue    credit records of deals won                   the credited staff member
 *
 * Every query filters on the leading columns of its table's key (tenant, then staff), so a staff
 * member's figures read their own rows only.
 */

/** `undefined` staff: the whole tenant. Staff filters are written once, here. */
const staffFilter = (column: string, staff: readonly string[] | undefined) => (staff ? `AND ${column} IN {staff:Array(String)}` : '');
const windowParams = (tenantId: string, staff: readonly string[] | undefined, w: FactWindow): QueryParams => ({
  tenant: tenantId,
  start: toDateTime64(w.start),
  end: toDateTime64(w.end),
  ...(staff && { staff: [...staff] }),
});
const IN_WINDOW = (column: string) => `${column} >= {start:DateTime64(3, 'UTC')} AND ${column} < {end:DateTime64(3, 'UTC')}`;
const fromDateTime64 = (text: unknown) => `${String(text).replace(' ', 'T')}Z`;

/**
 * The open deals of `staff`, each once, under its assignee: opportunity_by_staff
 * files each version under its assignee and under the one it moved the deal away from, so after
 * FINAL (the latest version under each staff member) a deal is theirs exactly when its
 * assigned_to is them. Read from their own key range.
 */
const openDeals = (staff: readonly string[]) => `
  SELECT staff_id AS holder, opportunity_id, stage, deal_value, stage_changed_at AS since
  FROM opportunity_by_staff FINAL
  WHERE tenant_id = {tenant:String} AND staff_id IN {staff:Array(String)} AND status = 'open' AND assigned_to = staff_id`;

export class ClickHouseInsights implements Insights {
  constructor(private readonly analytics: () => Promise<Analytics>) {}

  /** A reporting store that cannot be reached or does not answer is a 503 (logged with its cause), not an unexplained 500. */
  private async query<T>(sql: string, params: QueryParams): Promise<T[]> {
    let analytics: Analytics;
    try {
      analytics = await this.analytics();
    } catch (error) {
      logger.error('analytics unavailable', { error: error instanceof Error ? error.message : String(error) });
      throw unavailable('analytics_unavailable', 'The reporting store is not reachable; try again shortly.');
    }
    return analytics.query<T>(sql, params);
  }

  async figures(tenantId: string, staff: readonly string[] | undefined, w: FactWindow): Promise<Map<string, StaffFigures>> {
    if (staff?.length === 0) return new Map();
    const params = windowParams(tenantId, staff, w);
    type A = { staff_id: string; calls: number; demos: number; visits: number };
    type T = { staff_id: string; qualified: number; potential: number; demo: number; won: number };
    type R = { staff_id: string; revenue: number };
    const [activities, transitions, revenue] = await Promise.all([
      this.query<A>(
        `SELECT staff_id,
                countIf(kind = 'completed' AND event_type = 'Call') AS calls,
                countIf(kind = 'scheduled' AND event_type = 'DemoScheduled') AS demos,
                countIf(kind = 'scheduled' AND event_type = 'VisitScheduled') AS visits
         FROM activities FINAL
         WHERE tenant_id = {tenant:String} ${staffFilter('staff_id', staff)} AND kind IN ('completed', 'scheduled')
           AND event_type IN ('Call', 'DemoScheduled', 'VisitScheduled') AND ${IN_WINDOW('at')}
         GROUP BY staff_id`,
        params,
      ),
      this.query<T>(
        `SELECT assigned_to AS staff_id,
                countIf(stage = 'Qualified') AS qualified,
                countIf(stage = 'Potential') AS potential,
                countIf(stage = 'Demo') AS demo,
                countIf(stage = 'Closed') AS won
         FROM stage_transitions FINAL
         WHERE tenant_id = {tenant:String} ${staffFilter('assigned_to', staff)} AND stage IN ('Qualified', 'Potential', 'Demo', 'Closed')
           AND newly_reached = 1 AND ${IN_WINDOW('at')}
         GROUP BY assigned_to`,
        params,
      ),
      this.query<R>(
        `SELECT staff_id, sum(amount) AS revenue FROM revenue_credits FINAL
         WHERE tenant_id = {tenant:String} ${staffFilter('staff_id', staff)} AND ${IN_WINDOW('won_at')}
         GROUP BY staff_id`,
        params,
      ),
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
    // The whole tenant from opportunity_state (one row per opportunity version, against about one
    // and a half per version in opportunity_by_staff): FINAL merges each opportunity's versions
    // before the status filter applies (the sorting key holds nothing that changes).
    const rows = await this.query<{ staff_id: string; stage: Stage; value: number }>(
      staff
        ? `SELECT holder AS staff_id, stage, sum(deal_value) AS value FROM (${openDeals(staff)}) GROUP BY holder, stage`
        : `SELECT assigned_to AS staff_id, stage, sum(deal_value) AS value FROM opportunity_state FINAL
           WHERE tenant_id = {tenant:String} AND status = 'open'
           GROUP BY staff_id, stage`,
      { tenant: tenantId, ...(staff && { staff: [...staff] }) },
    );
    const out = new Map<string, Partial<Record<Stage, number>>>();
    for (const r of rows) (out.get(r.staff_id) ?? out.set(r.staff_id, {}).get(r.staff_id)!)[r.stage] = Number(r.value);
    return out;
  }

  async eventTallies(tenantId: string, staff: readonly string[] | undefined, w: FactWindow): Promise<EventTally[]> {
    if (staff?.length === 0) return [];
    const rows = await this.query<{ staff_id: string; type: string; scheduled: number; completed: number; missed: number }>(
      `SELECT staff_id, event_type AS type,
              countIf(kind = 'scheduled') AS scheduled,
              countIf(kind = 'completed') AS completed,
              countIf(kind = 'missed') AS missed
       FROM activities FINAL
       WHERE tenant_id = {tenant:String} ${staffFilter('staff_id', staff)} AND ${IN_WINDOW('at')}
       GROUP BY staff_id, type
       ORDER BY staff_id, type`,
      windowParams(tenantId, staff, w),
    );
    return rows.map((r) => ({ staffId: r.staff_id, type: r.type, scheduled: Number(r.scheduled), completed: Number(r.completed), missed: Number(r.missed) }));
  }

  async productRevenue(tenantId: string, staff: readonly string[] | undefined, w: FactWindow, threshold: number): Promise<ProductRevenue[]> {
    if (staff?.length === 0) return [];
    const rows = await this.query<{ product_id: string; revenue: number; high: number; deals: number }>(
      `SELECT product_id, sum(amount) AS revenue, sumIf(amount, deal_value >= {threshold:Int64}) AS high, uniqExact(opportunity_id) AS deals
       FROM revenue_credits FINAL
       WHERE tenant_id = {tenant:String} ${staffFilter('staff_id', staff)} AND ${IN_WINDOW('won_at')}
       GROUP BY product_id`,
      { ...windowParams(tenantId, staff, w), threshold },
    );
    return rows.map((r) => ({ productId: r.product_id, revenue: Number(r.revenue), highValueRevenue: Number(r.high), deals: Number(r.deals) }));
  }

  async pipelineHealth(tenantId: string, staff: readonly string[], opts: { staleBefore: string; limit: number }) {
    const none = { noNextStep: { count: 0, deals: [] as OpenDeal[] }, stale: { count: 0, deals: [] as OpenDeal[] } };
    if (staff.length === 0) return none;
    // An open deal has a next step while one of its follow-ups is pending: scheduled, and neither
    // completed nor missed (followups FINAL: the follow-ups whose latest word is "scheduled"), of
    // the deals ever filed under the team (a superset of the open ones, read by key). Counted and
    // cut to the oldest `limit` of each list in ClickHouse: a team can have thousands.
    type Deal = [string, string, Stage, number, string];
    const [row] = await this.query<{ no_next: number; stale_n: number; no_next_deals: Deal[]; stale_deals: Deal[] }>(
      `WITH open AS (${openDeals(staff)}),
       flagged AS (
         SELECT opportunity_id, holder AS assigned_to, stage, deal_value, since,
                opportunity_id IN (
                  SELECT opportunity_id FROM followups FINAL
                  WHERE tenant_id = {tenant:String}
                    AND opportunity_id IN (SELECT opportunity_id FROM opportunity_by_staff WHERE tenant_id = {tenant:String} AND staff_id IN {staff:Array(String)})) AS next_step,
                since < {staleBefore:DateTime64(3, 'UTC')} AS is_stale
         FROM open)
       SELECT countIf(next_step = 0) AS no_next, countIf(is_stale = 1) AS stale_n,
              arraySlice(arraySort(d -> (d.5, d.1), groupArrayIf((opportunity_id, assigned_to, stage, deal_value, toString(since)), next_step = 0)), 1, {limit:UInt32}) AS no_next_deals,
              arraySlice(arraySort(d -> (d.5, d.1), groupArrayIf((opportunity_id, assigned_to, stage, deal_value, toString(since)), is_stale = 1)), 1, {limit:UInt32}) AS stale_deals
       FROM flagged`,
      { tenant: tenantId, staff: [...staff], staleBefore: toDateTime64(opts.staleBefore), limit: opts.limit },
    );
    const deal = ([opportunityId, assignedTo, stage, dealValue, since]: Deal): OpenDeal => ({ opportunityId, assignedTo, stage, dealValue: Number(dealValue), since: fromDateTime64(since) });
    if (!row) return none;
    return {
      noNextStep: { count: Number(row.no_next), deals: row.no_next_deals.map(deal) },
      stale: { count: Number(row.stale_n), deals: row.stale_deals.map(deal) },
    };
  }

  async explain(tenantId: string, staffId: string, figure: ExplainableFigure, w: FactWindow, limit: number): Promise<FactRef[]> {
    const params = { ...windowParams(tenantId, [staffId], w), limit };
    const events = (kind: string, type?: string) =>
      `SELECT event_id, opportunity_id, min(at) AS first_at FROM activities
       WHERE tenant_id = {tenant:String} AND staff_id IN {staff:Array(String)} AND kind = '${kind}' ${type ? `AND event_type = '${type}'` : ''} AND ${IN_WINDOW('at')}
       GROUP BY event_id, opportunity_id ORDER BY first_at DESC, event_id LIMIT {limit:UInt32}`;
    const reached = (stage: Stage) =>
      `SELECT opportunity_id, min(at) AS first_at FROM stage_transitions
       WHERE tenant_id = {tenant:String} AND assigned_to IN {staff:Array(String)} AND stage = '${stage}' AND newly_reached = 1 AND ${IN_WINDOW('at')}
       GROUP BY opportunity_id ORDER BY first_at DESC, opportunity_id LIMIT {limit:UInt32}`;
    const sql: Record<ExplainableFigure, string> = {
      calls: events('completed', 'Call'),
      demos: events('scheduled', 'DemoScheduled'),
      visits: events('scheduled', 'VisitScheduled'),
      missed: events('missed'),
      qualified: reached('Qualified'),
      potential: reached('Potential'),
      demo: reached('Demo'),
      won: reached('Closed'),
      revenue: `SELECT opportunity_id, any(won_at) AS first_at, any(amount) AS amount FROM revenue_credits
                WHERE tenant_id = {tenant:String} AND staff_id IN {staff:Array(String)} AND ${IN_WINDOW('won_at')}
                GROUP BY credit_id, opportunity_id ORDER BY first_at DESC, opportunity_id LIMIT {limit:UInt32}`,
      pipeline: `SELECT opportunity_id, since AS first_at, deal_value AS amount FROM (${openDeals([staffId])})
                 ORDER BY first_at DESC, opportunity_id LIMIT {limit:UInt32}`,
    };
    const rows = await this.query<{ opportunity_id: string; event_id?: string; first_at: string; amount?: number }>(sql[figure], params);
    return rows.map((r) => ({
      opportunityId: r.opportunity_id,
      ...(r.event_id !== undefined && { eventId: r.event_id }),
      at: fromDateTime64(r.first_at),
      ...(r.amount !== undefined && { amount: Number(r.amount) }),
    }));
  }

  async leadFlow(tenantId: string, staff: readonly string[], w: FactWindow, stage: Stage, next: Stage): Promise<Map<string, LeadFlow>> {
    if (staff.length === 0) return new Map();
    // At the end: each opportunity's latest version written before the window ended. Moved on: a
    // move out of `stage` in the window that was not a correction backwards.
    const rows = await this.query<{ staff_id: string; n: number; value: number; advanced: number }>(
      `SELECT holder AS staff_id, count() AS n, sum(worth) AS value, countIf(moved_to_next) AS advanced FROM (
         SELECT holder, opportunity_id, max(worth) AS worth, max(reached_next) AS moved_to_next FROM (
           SELECT holder, opportunity_id, worth, 0 AS reached_next FROM (
             SELECT opportunity_id, argMax(o.assigned_to, o.version) AS holder, argMax(o.stage, o.version) AS at_stage, argMax(o.status, o.version) AS state,
                    argMax(o.deal_value, o.version) AS worth
             FROM opportunity_by_staff AS o
             WHERE o.tenant_id = {tenant:String} AND o.staff_id IN {staff:Array(String)} AND o.updated_at < {end:DateTime64(3, 'UTC')}
             GROUP BY opportunity_id)
           WHERE state = 'open' AND at_stage = {stage:String} AND holder IN {staff:Array(String)}
           UNION ALL
           SELECT t.assigned_to AS holder, t.opportunity_id AS opportunity_id, any(t.deal_value) AS worth,
                  max(t.stage = {next:String} AND t.newly_reached = 1) AS reached_next
           FROM stage_transitions AS t
           WHERE t.tenant_id = {tenant:String} AND t.assigned_to IN {staff:Array(String)} AND t.from_stage = {stage:String} AND t.direction != 'backward'
             AND t.at >= {start:DateTime64(3, 'UTC')} AND t.at < {end:DateTime64(3, 'UTC')}
           GROUP BY holder, opportunity_id)
         GROUP BY holder, opportunity_id)
       GROUP BY staff_id`,
      { ...windowParams(tenantId, staff, w), stage, next },
    );
    return new Map(rows.map((r) => [r.staff_id, { count: Number(r.n), value: Number(r.value), advanced: Number(r.advanced) }]));
  }

  async leadResponse(tenantId: string, staff: readonly string[] | undefined, w: FactWindow, opts: { slaMinutes: number; asOf: string }) {
    const none: LeadResponse = { leads: 0, responded: 0, withinSla: 0, breached: 0 };
    if (staff?.length === 0) return { total: none, byStaff: new Map<string, LeadResponse>() };
    // The leads of the window (each once, under its assignee at arrival), each with its first
    // completed follow-up up to asOf (min over the copies of a fact is the same: no FINAL needed),
    // read among the tenant's completed activities of those opportunities only. Waited: to the
    // response, or (none yet) to asOf; a response logged before the arrival instant a provider
    // gave (clocks differ) is a wait of 0. ROLLUP adds the whole set's row (staff_id null): a
    // team's median is the median of its leads, not of its members' medians.
    type R = { staff_id: string | null; leads: number; responded: number; within_sla: number; breached: number; median: number | null; p90: number | null };
    const rows = await this.query<R>(
      `WITH leads AS (
         SELECT opportunity_id, any(assigned_to) AS staff_id, toUnixTimestamp64Milli(any(arrived_at)) AS arrived
         FROM lead_arrivals
         WHERE tenant_id = {tenant:String} ${staffFilter('assigned_to', staff)} AND ${IN_WINDOW('arrived_at')}
         GROUP BY opportunity_id),
       first AS (
         SELECT opportunity_id, toUnixTimestamp64Milli(min(at)) AS answered
         FROM activities
         WHERE tenant_id = {tenant:String} AND kind = 'completed' AND at <= {asOf:DateTime64(3, 'UTC')}
           AND opportunity_id IN (SELECT opportunity_id FROM leads)
         GROUP BY opportunity_id),
       timed AS (
         SELECT l.staff_id AS staff_id, f.opportunity_id != '' AS answered_lead,
                if(answered_lead, greatest(f.answered - l.arrived, 0), toUnixTimestamp64Milli({asOf:DateTime64(3, 'UTC')}) - l.arrived) AS waited
         FROM leads AS l LEFT JOIN first AS f ON f.opportunity_id = l.opportunity_id)
       SELECT staff_id, count() AS leads, countIf(answered_lead) AS responded,
              countIf(answered_lead AND waited <= {slaMs:Int64}) AS within_sla, countIf(waited > {slaMs:Int64}) AS breached,
              quantileExactInclusiveIf(0.5)(waited / 60000, answered_lead) AS median,
              quantileExactInclusiveIf(0.9)(waited / 60000, answered_lead) AS p90
       FROM timed
       GROUP BY ROLLUP(staff_id)
       ORDER BY staff_id
       SETTINGS group_by_use_nulls = 1`,
      { ...windowParams(tenantId, staff, w), asOf: toDateTime64(opts.asOf), slaMs: Math.round(opts.slaMinutes * 60_000) },
    );
    const tenth = (x: number | null) => (x === null || !Number.isFinite(Number(x)) ? undefined : Math.round(Number(x) * 10) / 10);
    const figure = (r: R): LeadResponse => {
      const responded = Number(r.responded);
      const median = responded > 0 ? tenth(r.median) : undefined;
      const p90 = responded > 0 ? tenth(r.p90) : undefined;
      return {
        leads: Number(r.leads),
        responded,
        withinSla: Number(r.within_sla),
        breached: Number(r.breached),
        ...(median !== undefined && { medianMinutes: median }),
        ...(p90 !== undefined && { p90Minutes: p90 }),
      };
    };
    const byStaff = new Map<string, LeadResponse>();
    let total = none;
    for (const r of rows) {
      if (r.staff_id === null) total = figure(r);
      else byStaff.set(r.staff_id, figure(r));
    }
    return { total, byStaff };
  }

  async coOwnership(tenantId: string, owned: readonly string[]) {
    if (owned.length === 0) return [];
    const rows = await this.query<{ owned: string; product: string; clients: number }>(
      `WITH owners AS (SELECT DISTINCT client_id, product_id FROM revenue_credits WHERE tenant_id = {tenant:String})
       SELECT o.product_id AS owned, p.product_id AS product, uniqExact(p.client_id) AS clients
       FROM (SELECT client_id, product_id FROM owners WHERE product_id IN {owned:Array(String)}) AS o
       INNER JOIN owners AS p ON p.client_id = o.client_id
       GROUP BY owned, product
       ORDER BY owned, product`,
      { tenant: tenantId, owned: [...owned] },
    );
    return rows.map((r) => ({ owned: r.owned, product: r.product, clients: Number(r.clients) }));
  }
}

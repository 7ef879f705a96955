import type { Analytics } from './port';

/**
 * Every total the fact tables hold for a tenant, each counted the exact way (over distinct natural
 * keys, the latest version of a state row), whether or not ClickHouse has merged duplicates yet.
 * What the loader's property test compares with a reference computed from the domain, and what
 * backfill must reproduce from the live path.
 */
export interface FactTotals {
  /** `${kind} ${eventType} ${staffId}` → activities. */
  activities: Record<string, number>;
  /** `${stage} ${assignedTo}` → opportunities that reached the stage (funnel counts). */
  stagesReached: Record<string, number>;
  /** `${status} ${stage} ${assignedTo}` → [opportunities, sum of deal values]. */
  opportunities: Record<string, [number, number]>;
  /** staffId → credited amount of won deals. */
  revenue: Record<string, number>;
  /** `${role} ${active}` → staff. */
  staff: Record<string, number>;
  /** `${entity} ${action}` → audit entries. */
  audit: Record<string, number>;
  /** `${channel} ${assignedTo}` → leads that arrived from a lead source; absent when there are none. */
  leads?: Record<string, number>;
  /** `${eventType} ${competitor}` → [completed demos/visits with feedback, sum of their budgets]; absent when there are none. */
  feedback?: Record<string, [number, number]>;
  /** `${direction} ${channel} ${staffId} ${status}` → messages of the communication hub; absent when there are none. */
  messages?: Record<string, number>;
}

const keyed = <T>(rows: Record<string, unknown>[], key: (r: Record<string, unknown>) => string, value: (r: Record<string, unknown>) => T): Record<string, T> =>
  Object.fromEntries(rows.map((r) => [key(r), value(r)] as const).sort(([a], [b]) => a.localeCompare(b)));

export async function factTotals(analytics: Analytics, tenantId: string): Promise<FactTotals> {
  const t = { tenant: tenantId };
  const [activities, stages, opportunities, revenue, staff, audit, leads, feedback, messages] = await Promise.all([
    analytics.query(
      `SELECT kind, event_type, staff_id, uniqExact(activity_id) AS n FROM activities WHERE tenant_id = {tenant:String} GROUP BY kind, event_type, staff_id`,
      t,
    ),
    analytics.query(
      `SELECT stage, assigned_to, uniqExactIf(transition_id, newly_reached = 1) AS n FROM stage_transitions WHERE tenant_id = {tenant:String} GROUP BY stage, assigned_to HAVING n > 0`,
      t,
    ),
    analytics.query(
      `SELECT status, stage, assigned_to, count() AS n, sum(deal_value) AS value FROM (
         SELECT opportunity_id, argMax(status, version) AS status, argMax(stage, version) AS stage, argMax(assigned_to, version) AS assigned_to, argMax(deal_value, version) AS deal_value
         FROM opportunity_state WHERE tenant_id = {tenant:String} GROUP BY opportunity_id)
       GROUP BY status, stage, assigned_to`,
      t,
    ),
    analytics.query(
      `SELECT staff_id, sum(amount) AS amount FROM (SELECT credit_id, any(staff_id) AS staff_id, any(amount) AS amount FROM revenue_credits WHERE tenant_id = {tenant:String} GROUP BY credit_id) GROUP BY staff_id`,
      t,
    ),
    analytics.query(
      `SELECT role, active, count() AS n FROM (SELECT staff_id, argMax(role, version) AS role, argMax(active, version) AS active FROM staff WHERE tenant_id = {tenant:String} GROUP BY staff_id) GROUP BY role, active`,
      t,
    ),
    analytics.query(`SELECT entity, action, uniqExact(audit_id) AS n FROM audit_log WHERE tenant_id = {tenant:String} GROUP BY entity, action`, t),
    analytics.query(`SELECT channel, assigned_to, uniqExact(opportunity_id) AS n FROM lead_arrivals WHERE tenant_id = {tenant:String} GROUP BY channel, assigned_to`, t),
    analytics.query(
      `SELECT type, named, count() AS n, sum(amount) AS budget FROM (
         SELECT activity_id, any(event_type) AS type, any(competitor) AS named, any(budget) AS amount FROM activities
         WHERE tenant_id = {tenant:String} AND isNotNull(budget) GROUP BY activity_id)
       GROUP BY type, named`,
      t,
    ),
    // Merged as FINAL merges them: a message's rows (its own, its status changes) column by column.
    analytics.query(
      `SELECT direction, channel, staff_id, status, count() AS n FROM messages FINAL WHERE tenant_id = {tenant:String} GROUP BY direction, channel, staff_id, status`,
      t,
    ),
  ]);
  return {
    activities: keyed(activities, (r) => `${r.kind} ${r.event_type} ${r.staff_id}`, (r) => Number(r.n)),
    stagesReached: keyed(stages, (r) => `${r.stage} ${r.assigned_to}`, (r) => Number(r.n)),
    opportunities: keyed(opportunities, (r) => `${r.status} ${r.stage} ${r.assigned_to}`, (r) => [Number(r.n), Number(r.value)] as [number, number]),
    revenue: keyed(revenue, (r) => String(r.staff_id), (r) => Number(r.amount)),
    staff: keyed(staff, (r) => `${r.role} ${r.active}`, (r) => Number(r.n)),
    audit: keyed(audit, (r) => `${r.entity} ${r.action}`, (r) => Number(r.n)),
    ...(leads.length > 0 && { leads: keyed(leads, (r) => `${r.channel} ${r.assigned_to}`, (r) => Number(r.n)) }),
    ...(feedback.length > 0 && { feedback: keyed(feedback, (r) => `${r.type} ${r.named}`, (r) => [Number(r.n), Number(r.budget)] as [number, number]) }),
    ...(messages.length > 0 && { messages: keyed(messages, (r) => `${r.direction} ${r.channel} ${r.staff_id} ${r.status}`, (r) => Number(r.n)) }),
  };
}

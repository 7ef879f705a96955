import type { Analytics } from '../../../functions/lib/analytics/port';

/**
 * One big tenant, made inside chDB with `INSERT … SELECT … FROM numbers(N)` (no API, no loader):
 * the same columns and natural keys the live path writes (functions/lib/analytics/facts.ts), with
 * deterministic pseudo-random values (cityHash64 of the row number and a salt), so every run holds
 * the same data.
 *
 * Shape: 50 managers (m-01 … m-50) × 20 sellers each (s-0001 … s-1000) under one admin; 1 M
 * opportunities over 12 months, more of them recent (creation density grows as √t towards now);
 * ~8 % won, ~10 % lost, the rest open across Lead … Visit; ~1.5 versions each (the older version at
 * Lead, some assigned to the teammate who found the lead); revenue credits for the won deals, split
 * 50/50 when the lead owner is not the closer; a follow-up history per opportunity (1 … 11 events:
 * calls, messages, demos, visits, quotes, negotiations; 1 … 14 planned over its first three months, those not due yet absent), giving 10 M activity rows — scheduled,
 * completed or missed, some logged as done at once, some still pending.
 * A second tenant gets a few thousand rows with the same staff ids, so the tenant filter matters.
 */

export const TENANT = 'bench';
export const OTHER_TENANT = 'other';
/** "Now" for the data and the dashboards: 2026-12-01 00:00 in India (the dashboards look at the last full week and month). */
export const NOW = '2026-11-30T18:30:00.000Z';
export const MANAGERS = 50;
export const SELLERS_PER_MANAGER = 20;
export const SELLERS = MANAGERS * SELLERS_PER_MANAGER;

export const managerId = (m: number) => `m-${String(m).padStart(2, '0')}`;
export const sellerId = (s: number) => `s-${String(s).padStart(4, '0')}`;
/** The team of manager m (1-based): the manager and their 20 sellers. */
export const teamOf = (m: number) => [managerId(m), ...Array.from({ length: SELLERS_PER_MANAGER }, (_, i) => sellerId((m - 1) * SELLERS_PER_MANAGER + i + 1))];

export interface Scale {
  opportunities: number;
  activities: number;
}

const NOW_MS = Date.parse(NOW);
const DAY = 86_400_000;
const NOW_SQL = `toInt64(${NOW_MS})`;

/** u(salt, …) ∈ [0, 1): a deterministic uniform of the row and a salt. */
const u = (...args: string[]) => `(cityHash64(${args.join(', ')}) % 1000000) / 1000000.`;
const ms = (expr: string) => `fromUnixTimestamp64Milli(toInt64(${expr}), 'UTC')`;
const sid = (n: string) => `concat('s-', leftPad(toString(${n}), 4, '0'))`;
const mid = (n: string) => `concat('m-', leftPad(toString(${n}), 2, '0'))`;

/** Seed catalogue (paise) and the stages' default closing probabilities (1 / multiplier). */
const PRODUCTS = `['website', 'kml', 'jewellery', 'chitty', 'microfinance', 'nbfc']`;
const PRODUCT_VALUES = `[1500000, 2000000, 3000000, 3000000, 5500000, 10000000]`;
const STAGES = `['Lead', 'Qualified', 'Potential', 'Demo', 'Visit', 'Closed']`;
const PROBABILITY = `[2., 5., 12.5, 25., 40., 100.]`;

/**
 * The helper table `bench_opps`: one row per opportunity with its final state and what the older
 * version looked like; every fact table is derived from it.
 */
function oppsSql(tenant: string, n: number, salt: string): string {
  return `
  CREATE TABLE bench_opps_${salt} ENGINE = MergeTree ORDER BY o AS
  SELECT o, opp_id, client_id, product_id, deal_value AS value, assignee, lead_owner, handed, versions, status AS final_status, stage_ix, lost_at_ix,
         created_ms, stage_changed_ms, closed_ms, events,
         '${tenant}' AS tenant_id
  FROM (
    SELECT number AS o,
      concat('01JOPP${salt}', leftPad(toString(o), 20 - length('${salt}'), '0')) AS opp_id,
      concat('01JCLI${salt}', leftPad(toString(intDiv(o * 5, 12)), 20 - length('${salt}'), '0')) AS client_id,
      multiIf(${u('o', "'prod'")} < 0.25, 1, ${u('o', "'prod'")} < 0.45, 2, ${u('o', "'prod'")} < 0.65, 3, ${u('o', "'prod'")} < 0.80, 4, ${u('o', "'prod'")} < 0.92, 5, 6) AS product_ix,
      ${PRODUCTS}[product_ix] AS product_id,
      toInt64(round(${PRODUCT_VALUES}[product_ix] * (0.8 + 0.8 * ${u('o', "'value'")}), -2)) AS deal_value,
      1 + cityHash64(o, 'seller') % ${SELLERS} AS seller,
      intDiv(seller - 1, ${SELLERS_PER_MANAGER}) + 1 AS team,
      (team - 1) * ${SELLERS_PER_MANAGER} + 1 + (seller - (team - 1) * ${SELLERS_PER_MANAGER} - 1 + 1 + cityHash64(o, 'mate') % ${SELLERS_PER_MANAGER - 1}) % ${SELLERS_PER_MANAGER} AS mate,
      if(${u('o', "'mgr'")} < 0.03, ${mid('team')}, ${sid('seller')}) AS assignee,
      ${u('o', "'hand'")} < 0.2 AS handed,
      if(handed, ${sid('mate')}, assignee) AS lead_owner,
      if(handed OR ${u('o', "'ver'")} < 0.4, 2, 1) AS versions,
      ${u('o', "'status'")} AS rs,
      multiIf(rs < 0.08, 'won', rs < 0.18, 'lost', 'open') AS status,
      ${u('o', "'stage'")} AS rst,
      multiIf(status != 'open', 6, rst < 0.35, 1, rst < 0.60, 2, rst < 0.78, 3, rst < 0.90, 4, 5) AS stage_ix,
      -- the last stage a lost deal reached before it was lost
      1 + cityHash64(o, 'lostat') % 5 AS lost_at_ix,
      ${NOW_SQL} - toInt64(365 * ${DAY} * (1 - pow(${u('o', "'created'")}, 2 / 3))) AS created_ms,
      if(status = 'open', NULL, created_ms + toInt64((${NOW_SQL} - created_ms) * ${u('o', "'closed'")})) AS closed_ms,
      if(status = 'open', created_ms + toInt64((${NOW_SQL} - created_ms) * ${u('o', "'since'")}), assumeNotNull(closed_ms)) AS stage_changed_ms,
      toUInt32(1 + cityHash64(o, 'events') % 14) AS events
    FROM numbers(${n})
  )`;
}

function stateSql(salt: string, version: 1 | 2): string {
  // Version 1: as now when there is no other; else created at Lead, assigned to the lead owner, a
  // slightly different value. Version 2 (half of them): the state now.
  const v1 = version === 1;
  const older = (now: string, then: string) => (v1 ? `if(versions = 1, ${now}, ${then})` : now);
  return `
  INSERT INTO opportunity_state (tenant_id, opportunity_id, version, client_id, product_id, stage, stage_changed_at, status, outcome, lost_reason,
    deal_value, closing_probability, expected_revenue, currency, assigned_to, previous_assignee, lead_owner, closing_owner, co_salespersons, warriors, partner_company_id,
    stages_reached, expected_close_date, created_at, updated_at, closed_at)
  SELECT tenant_id, opp_id, ${v1 ? 'toUInt32(1)' : "toUInt32(2 + cityHash64(o, 'v') % 5)"} AS version, client_id, product_id,
    ${older(`${STAGES}[stage_ix]`, "'Lead'")} AS stage,
    ${older(ms('stage_changed_ms'), ms('created_ms'))} AS stage_changed_at,
    ${older('final_status', "'open'")} AS status,
    multiIf(status = 'won', 'Won', status = 'lost', 'Lost', '') AS outcome,
    if(outcome = 'Lost', ['price', 'competitor', 'no budget', 'timing'][1 + cityHash64(o, 'why') % 4], '') AS lost_reason,
    ${older('value', 'toInt64(round(value * 0.9, -2))')} AS deal_value,
    if(outcome = 'Lost', 0., ${PROBABILITY}[indexOf(${STAGES}, stage)]) AS closing_probability,
    toInt64(round(deal_value * closing_probability / 100)) AS expected_revenue,
    'INR', ${older('assignee', 'lead_owner')} AS assigned_to, ${v1 ? "''" : "if(lead_owner != assignee, lead_owner, '')"} AS previous_assignee, lead_owner,
    if(outcome = 'Won', assignee, '') AS closing_owner, [], [], '',
    arrayConcat(arraySlice(${STAGES}, 1, if(outcome = 'Lost', lost_at_ix, least(indexOf(${STAGES}, stage), 5))), if(outcome = 'Won', ['Closed'], [])) AS stages_reached,
    if(status = 'open', toDate(${ms(`${NOW_SQL} + 30 * ${DAY} * ${u('o', "'ecd'")}`)}), NULL) AS expected_close_date,
    ${ms('created_ms')} AS created_at, stage_changed_at AS updated_at,
    if(outcome = '', NULL, ${ms('assumeNotNull(closed_ms)')}) AS closed_at
  FROM bench_opps_${salt}
  ${v1 ? '' : 'WHERE versions = 2'}`;
}

/** One row per stage reached (one move per stage; a loss is a move that reaches nothing, newly_reached 0). */
function transitionsSql(salt: string): string {
  return `
  INSERT INTO stage_transitions (tenant_id, transition_id, opportunity_id, client_id, product_id, seq, stage, newly_reached, from_stage, to_stage, direction,
    outcome, reason, actor, assigned_to, lead_owner, deal_value, expected_revenue, currency, at)
  SELECT tenant_id, concat(opp_id, ':', toString(seq), ':', if(newly, stage, '-')), opp_id, client_id, product_id, seq, stage, newly,
    if(seq = 0, '', ${STAGES}[seq]) AS from_stage, stage AS to_stage, if(seq = 0, 'created', 'forward') AS direction,
    if(lost_move, 'Lost', if(stage = 'Closed', 'Won', '')) AS outcome, if(lost_move, 'price', '') AS reason,
    who AS actor, who AS assigned_to, lead_owner, value AS deal_value, toInt64(round(value * ${PROBABILITY}[seq + 1] / 100)) AS expected_revenue, 'INR',
    ${ms('at_ms')} AS at
  FROM (
    SELECT *, toUInt32(k) AS seq,
      -- reached: every stage up to the current one (won: Closed too); lost: up to lost_at_ix, then the loss
      if(final_status = 'lost', lost_at_ix + 1, stage_ix) AS moves,
      final_status = 'lost' AND k = moves - 1 AS lost_move,
      if(lost_move, 'Closed', ${STAGES}[k + 1]) AS stage,
      toUInt8(NOT lost_move) AS newly,
      if(moves = 1, created_ms, created_ms + intDiv((stage_changed_ms - created_ms) * k, moves - 1)) AS at_ms,
      -- moves before the hand-over were made by the lead owner
      if(handed AND k < intDiv(moves, 2), lead_owner, assignee) AS who
    FROM bench_opps_${salt}
    ARRAY JOIN range(if(final_status = 'lost', lost_at_ix + 1, stage_ix)) AS k
  )`;
}

/** One credit per credited staff member of a won deal: 100 % to the closer, or 50/50 with the lead owner. */
function creditsSql(salt: string): string {
  return `
  INSERT INTO revenue_credits (tenant_id, credit_id, opportunity_id, client_id, product_id, staff_id, percent, amount, deal_value, currency, closing_owner, lead_owner, won_at)
  SELECT tenant_id, concat(opp_id, ':', c.1), opp_id, client_id, product_id, c.1, c.2, c.3, value, 'INR', assignee, lead_owner, ${ms('assumeNotNull(closed_ms)')}
  FROM bench_opps_${salt}
  ARRAY JOIN if(lead_owner = assignee, [(assignee, toUInt8(100), value)],
                [(lead_owner, toUInt8(50), intDiv(value, 2)), (assignee, toUInt8(50), value - intDiv(value, 2))]) AS c
  WHERE final_status = 'won'`;
}

/**
 * Events j = 0 … events-1 of each opportunity, spread over its life; each gives one to two rows:
 * logged as done (one `completed`), pending (one `scheduled`), or scheduled then completed or missed.
 */
function activitiesSql(salt: string, limit: number): string {
  const EVENT_TYPES = `['Call', 'Message', 'DemoScheduled', 'DemoCompleted', 'QuoteShared', 'VisitScheduled', 'VisitCompleted', 'Negotiation']`;
  return `
  INSERT INTO activities (tenant_id, activity_id, kind, event_id, event_type, opportunity_id, client_id, product_id, staff_id, assignee, at, scheduled_at, budget, competitor)
  SELECT tenant_id, concat(event_id, ':', r.1), r.1, event_id, event_type, opp_id, client_id, product_id, r.3, assignee_then, ${ms('r.2')}, ${ms('sched_ms')},
    -- the feedback of a completed demo or visit (the reports' feedback themes): three in four give a
    -- budget (₹20,000 to ₹6 Cr, log-uniform, paise), three in eight name a competitor
    if(r.1 = 'completed' AND event_type IN ('DemoCompleted', 'VisitCompleted') AND ${u('event_id', "'budget'")} < 0.75, toNullable(toInt64(round(pow(10, 4.3 + 3.5 * ${u('event_id', "'amount'")}), -2) * 100)), NULL),
    if(r.1 = 'completed' AND event_type IN ('DemoCompleted', 'VisitCompleted'), ['', '', '', '', '', 'zoho', 'salesforce', 'leadsquared'][1 + cityHash64(event_id, 'rival') % 8], '')
  FROM (
    SELECT *,
      concat('01JEVT${salt}', leftPad(toString(o * 16 + j), 20 - length('${salt}'), '0')) AS event_id,
      ${u('o', 'j', "'type'")} AS rt,
      ${EVENT_TYPES}[multiIf(rt < 0.40, 1, rt < 0.60, 2, rt < 0.68, 3, rt < 0.74, 4, rt < 0.82, 5, rt < 0.88, 6, rt < 0.92, 7, 8)] AS event_type,
      -- a deal is worked over its first three months (or until it closed), events at a steady rate;
      -- those not due yet do not exist
      if(final_status = 'open', 90 * ${DAY}, least(90 * ${DAY}, assumeNotNull(closed_ms) - created_ms)) AS span_ms,
      -- one open deal in four has its next step in the diary: put there in the last month, due in the next ten days
      final_status = 'open' AND j = events - 1 AND ${u('o', "'next'")} < 0.25 AS next_step,
      if(next_step, ${NOW_SQL} - toInt64(30 * ${DAY} * ${u('o', "'nt0'")}), created_ms + toInt64(span_ms * (j + ${u('o', 'j', "'t0'")}) / events)) AS t0_ms,
      if(next_step, ${NOW_SQL} + toInt64(3600000 + 10 * ${DAY} * ${u('o', "'nsch'")}),
         least(t0_ms + toInt64(3600000 + 6 * ${DAY} * ${u('o', 'j', "'sch'")}), if(final_status = 'open', toInt64(9e15), assumeNotNull(closed_ms)))) AS sched_ms,
      event_type IN ('QuoteShared', 'DemoCompleted', 'VisitCompleted') OR (event_type IN ('Call', 'Message') AND ${u('o', 'j', "'logged'")} < 0.3) AS logged,
      NOT logged AND sched_ms > ${NOW_SQL} AS pending,
      NOT logged AND NOT pending AND ${u('o', 'j', "'missed'")} < 0.12 AS missed,
      if(handed AND j < intDiv(events, 2), lead_owner, assignee) AS assignee_then,
      -- a manager puts one follow-up in twenty in their seller's diary
      if(${u('o', 'j', "'by'")} < 0.05 AND startsWith(assignee_then, 's-'), ${mid(`intDiv(toUInt32(substring(assignee_then, 3)) - 1, ${SELLERS_PER_MANAGER}) + 1`)}, assignee_then) AS creator,
      multiIf(
        logged, [('completed', t0_ms, assignee_then)],
        pending, [('scheduled', t0_ms, creator)],
        missed, [('scheduled', t0_ms, creator), ('missed', least(sched_ms + ${DAY}, ${NOW_SQL}), assignee_then)],
        [('scheduled', t0_ms, creator), ('completed', least(sched_ms + toInt64(7200000 * ${u('o', 'j', "'done'")}), ${NOW_SQL}), assignee_then)]) AS acts
    FROM bench_opps_${salt}
    ARRAY JOIN range(events) AS j
    WHERE t0_ms <= ${NOW_SQL}
  )
  ARRAY JOIN acts AS r
  LIMIT ${limit}`;
}

/**
 * The leads (lead_arrivals, for the reports' `leads` source): seven opportunities in ten came from a
 * lead source, arriving when they were created, assigned to their lead owner then; a channel and
 * one of its connections each. Their response is their first completed follow-up (activities).
 */
function leadArrivalsSql(salt: string): string {
  return `
  INSERT INTO lead_arrivals (tenant_id, opportunity_id, client_id, product_id, assigned_to, channel, connection_id, external_id, arrived_at)
  SELECT tenant_id, opp_id, client_id, product_id, lead_owner,
    ['whatsapp', 'indiamart', 'web_form', 'justdial', 'facebook'][multiIf(${u('o', "'chan'")} < 0.35, 1, ${u('o', "'chan'")} < 0.6, 2, ${u('o', "'chan'")} < 0.8, 3, ${u('o', "'chan'")} < 0.92, 4, 5)] AS channel,
    concat(channel, '-', toString(1 + cityHash64(o, 'conn') % 3)), concat('ext-', toString(o)), ${ms('created_ms')}
  FROM bench_opps_${salt}
  WHERE ${u('o', "'lead'")} < 0.7`;
}

/**
 * The communication hub's messages (the reports' `messages` source; message_thread fills from them
 * by its materialized view): half the opportunities have a thread with their client of one to six
 * messages over their first weeks, the client writing first, then turns; an outbound one is sent by
 * the assignee then and delivered, read or (one in thirty) failed, an inbound one counted for the
 * assignee then. Up to `limit` rows.
 */
function messagesSql(salt: string, limit: number): string {
  return `
  INSERT INTO messages (tenant_id, client_id, message_id, opportunity_id, channel, direction, staff_id, status_rank, at)
  SELECT tenant_id, client_id, concat('01JMSG${salt}', leftPad(toString(o * 8 + m), 20 - length('${salt}'), '0')), opp_id,
    if(${u('o', "'mchan'")} < 0.7, 'whatsapp', 'email'),
    if(m = 0 OR ${u('o', 'm', "'dir'")} < 0.45, 'inbound', 'outbound') AS direction,
    -- the sender of an outbound message; whom an inbound one is counted for (the deal's assignee then)
    if(handed AND m < 2, lead_owner, assignee),
    if(direction = 'inbound', toUInt8(0), multiIf(${u('o', 'm', "'st'")} < 0.033, toUInt8(4), ${u('o', 'm', "'st'")} < 0.25, toUInt8(1), ${u('o', 'm', "'st'")} < 0.55, toUInt8(2), toUInt8(3))),
    ${ms('at_ms')}
  FROM (
    SELECT *, m, created_ms + toInt64(m * 6 * 3600000 + 20 * ${DAY} * m * ${u('o', 'm', "'gap'")} / 6) AS at_ms
    FROM bench_opps_${salt}
    ARRAY JOIN range(toUInt32(1 + cityHash64(o, 'msgs') % 6)) AS m
    WHERE ${u('o', "'thread'")} < 0.5 AND at_ms <= ${NOW_SQL}
  )
  LIMIT ${limit}`;
}

function staffSql(tenant: string): string {
  return `
  INSERT INTO staff (tenant_id, staff_id, version, name, role, manager_id, path, active, partner_company_id, updated_at)
  SELECT '${tenant}', 'admin', 1, 'Admin', 'tenant_admin', '', 'admin', 1, '', ${ms(`${NOW_SQL} - 400 * ${DAY}`)}
  UNION ALL
  SELECT '${tenant}', ${mid('number + 1')}, 1, concat('Manager ', toString(number + 1)), 'manager', 'admin', concat('admin/', ${mid('number + 1')}), 1, '', ${ms(`${NOW_SQL} - 400 * ${DAY}`)}
  FROM numbers(${MANAGERS})
  UNION ALL
  SELECT '${tenant}', ${sid('number + 1')}, 1, concat('Seller ', toString(number + 1)), if(number % 4 = 0, 'sales_officer', 'tse'),
         ${mid(`intDiv(number, ${SELLERS_PER_MANAGER}) + 1`)}, concat('admin/', ${mid(`intDiv(number, ${SELLERS_PER_MANAGER}) + 1`)}, '/', ${sid('number + 1')}), 1, '', ${ms(`${NOW_SQL} - 400 * ${DAY}`)}
  FROM numbers(${SELLERS})`;
}

/** A tenant: its helper table, its facts, then the helper dropped. The opportunity versions go in two inserts (older, then newer), as they arrive. */
async function tenantFacts(analytics: Analytics, tenant: string, salt: string, scale: Scale, log: (s: string) => void) {
  const step = async (what: string, sql: string) => {
    const t = performance.now();
    await analytics.command(sql);
    log(`  ${tenant}: ${what} ${((performance.now() - t) / 1000).toFixed(1)} s`);
  };
  await step('opportunities (helper)', oppsSql(tenant, scale.opportunities, salt));
  await step('staff', staffSql(tenant));
  await step('opportunity_state v1', stateSql(salt, 1));
  await step('opportunity_state v2', stateSql(salt, 2));
  await step('stage_transitions', transitionsSql(salt));
  await step('revenue_credits', creditsSql(salt));
  await step('activities', activitiesSql(salt, scale.activities));
  await step('lead_arrivals', leadArrivalsSql(salt));
  await step('messages', messagesSql(salt, Math.ceil(scale.activities / 10)));
  await analytics.command(`DROP TABLE bench_opps_${salt}`);
}

export async function generate(analytics: Analytics, scale: Scale, log: (s: string) => void): Promise<void> {
  // Versions of one opportunity stay apart (no background merge collapses them before the
  // benchmark): the queries' argMax must do the work a fresh update leaves to it.
  await analytics.command('SYSTEM STOP MERGES opportunity_state');
  await tenantFacts(analytics, TENANT, 'B', scale, log);
  await tenantFacts(analytics, OTHER_TENANT, 'O', { opportunities: 2_000, activities: 20_000 }, log);
  // The other fact tables as they settle in production: each month's parts merged (no duplicates to
  // drop, so FINAL only merges parts).
  // The follow-ups done are cleaned away as the table's cleanup merges do an hour after a part is written.
  for (const table of ['activities', 'stage_transitions', 'revenue_credits', 'staff', 'followups', 'lead_arrivals', 'messages', 'message_thread']) {
    const t = performance.now();
    await analytics.command(`OPTIMIZE TABLE ${table} FINAL${table === 'followups' ? ' CLEANUP' : ''}`);
    log(`  OPTIMIZE ${table} FINAL ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
}

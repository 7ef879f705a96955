import fc from 'fast-check';
import { eventTypes } from '../events/event';
import { stages } from '../pipeline/stages';
import type { ReportScope } from './compile';
import { isNumericMeasure, type ReportSpecInput } from './spec';
import { buckets, sourceNames, sources, type Field, type Op, type Source, type SourceName } from './sources';

/**
 * Test helper: fact rows of two tenants and several staff for every report source, the columns of
 * functions/lib/analytics/schema.ts, from a seeded generator (the same rows every run); and who may
 * see each row, written here independently of the compiler (DESIGN §4) as the oracle the chDB
 * property test compares against.
 */

export const TENANTS = ['acme', 'zeta'] as const;
export const STAFF = ['m1', 'm2', 's1', 's2', 's3', 's4'] as const;
const MANAGER: Record<string, string> = { m1: '', m2: 'm1', s1: 'm1', s2: 'm1', s3: 'm2', s4: 'm2' };
const ROLE: Record<string, string> = { m1: 'manager', m2: 'asst_manager', s1: 'tse', s2: 'sales_officer', s3: 'tse', s4: 'tse' };
export const PRODUCTS = ['website', 'kml', 'jewellery', 'nbfc'] as const;
export const CHANNELS = ['whatsapp', 'indiamart', 'website'] as const;
export const LOST_REASONS = ['price', 'timing', 'competitor'] as const;
/** The facts span 2026-01-01 … 2026-03-31 (UTC); "now" for ages is asOf. */
export const AS_OF = '2026-04-01T00:00:00.000Z';
const START = Date.parse('2026-01-01T00:00:00.000Z');
const SPAN = 90 * 86_400_000;

/** Opportunities per tenant: acme-o0 … acme-o119. */
export const OPPORTUNITIES = 120;

export type FactRow = Record<string, unknown>;
export type FactRows = Record<'staff' | 'opportunity_state' | 'activities' | 'stage_transitions' | 'revenue_credits' | 'lead_arrivals' | 'messages', FactRow[]>;
/** What feedback of a completed demo or visit names (normalised, as facts.ts writes it). */
export const COMPETITORS = ['zoho', 'local vendor', ''] as const;

/** mulberry32: a small seeded generator. */
function random(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}

const dt = (ms: number) => new Date(ms).toISOString().replace('T', ' ').slice(0, 23);

export function factRows(seed = 16): FactRows {
  const r = random(seed);
  const out: FactRows = { staff: [], opportunity_state: [], activities: [], stage_transitions: [], revenue_credits: [], lead_arrivals: [], messages: [] };
  for (const tenant of TENANTS) {
    for (const s of STAFF) {
      out.staff.push({ tenant_id: tenant, staff_id: s, version: 1, name: s, role: ROLE[s], manager_id: MANAGER[s], path: s, active: 1, partner_company_id: '', updated_at: dt(START) });
    }
    for (let i = 0; i < OPPORTUNITIES; i++) {
      const id = `${tenant}-o${i}`;
      const stage = r.pick(stages);
      const status = stage !== 'Closed' ? 'open' : r.next() < 0.6 ? 'won' : 'lost';
      const created = START + r.int(SPAN);
      const changed = created + r.int(START + SPAN - created);
      const assigned = r.pick(STAFF);
      const lead = r.next() < 0.7 ? assigned : r.pick(STAFF);
      const dealValue = (1 + r.int(20)) * 500_000;
      const probability = [0.02, 0.05, 0.125, 0.25, 0.4, 1][stages.indexOf(stage)]!;
      const opp = {
        tenant_id: tenant,
        opportunity_id: id,
        version: 1,
        client_id: `${tenant}-c${r.int(15)}`,
        product_id: r.pick(PRODUCTS),
        stage,
        stage_changed_at: dt(changed),
        status,
        outcome: status === 'won' ? 'Won' : status === 'lost' ? 'Lost' : '',
        lost_reason: status === 'lost' ? r.pick(LOST_REASONS) : '',
        deal_value: dealValue,
        closing_probability: probability,
        expected_revenue: Math.round(dealValue * probability),
        currency: 'INR',
        assigned_to: assigned,
        previous_assignee: '',
        lead_owner: lead,
        closing_owner: status === 'won' ? assigned : '',
        co_salespersons: r.next() < 0.3 ? [r.pick(STAFF)] : [],
        warriors: r.next() < 0.2 ? ['w1'] : [],
        partner_company_id: r.next() < 0.2 ? 'p1' : '',
        stages_reached: stages.slice(0, stages.indexOf(stage) + 1),
        expected_close_date: r.next() < 0.8 ? dt(START + r.int(SPAN + 60 * 86_400_000)).slice(0, 10) : null,
        created_at: dt(created),
        updated_at: dt(changed),
        closed_at: status === 'open' ? null : dt(changed),
      };
      out.opportunity_state.push(opp);
      const base = { tenant_id: tenant, opportunity_id: id, client_id: opp.client_id, product_id: opp.product_id };
      stages.slice(0, stages.indexOf(stage) + 1).forEach((s, seq) => {
        if (s === 'Closed' && status === 'lost') return;
        out.stage_transitions.push({
          ...base,
          transition_id: `${id}:${seq}:${s}`,
          seq,
          stage: s,
          newly_reached: 1,
          from_stage: seq === 0 ? '' : stages[seq - 1],
          to_stage: s,
          direction: seq === 0 ? 'created' : 'forward',
          outcome: s === 'Closed' ? 'Won' : '',
          reason: '',
          actor: assigned,
          assigned_to: r.next() < 0.85 ? assigned : r.pick(STAFF),
          lead_owner: lead,
          deal_value: dealValue,
          expected_revenue: opp.expected_revenue,
          currency: 'INR',
          at: dt(created + seq * Math.floor((changed - created) / 6)),
        });
      });
      if (status === 'won') {
        const split = lead !== assigned;
        for (const [staff, percent] of split ? ([[lead, 50], [assigned, 50]] as const) : ([[assigned, 100]] as const)) {
          out.revenue_credits.push({
            ...base,
            credit_id: `${id}:${staff}`,
            staff_id: staff,
            percent,
            amount: (dealValue * percent) / 100,
            deal_value: dealValue,
            currency: 'INR',
            closing_owner: assigned,
            lead_owner: lead,
            won_at: dt(changed),
          });
        }
      }
      if (r.next() < 0.5) {
        out.lead_arrivals.push({ ...base, assigned_to: assigned, channel: r.pick(CHANNELS), connection_id: 'conn-1', external_id: `x-${id}`, arrived_at: dt(created) });
      }
      for (let e = 0; e < 1 + r.int(4); e++) {
        const eventId = `${id}-e${e}`;
        const type = r.pick(eventTypes);
        const assignee = r.next() < 0.8 ? assigned : r.pick(STAFF);
        const scheduledAt = created + r.int(START + SPAN - created);
        const ev = { ...base, event_id: eventId, event_type: type, assignee, scheduled_at: dt(scheduledAt) };
        out.activities.push({ ...ev, activity_id: `${eventId}:scheduled`, kind: 'scheduled', staff_id: r.next() < 0.8 ? assignee : r.pick(STAFF), at: dt(created) });
        const fate = r.next();
        // A completed demo or visit carries its feedback's budget and competitor (drawn from what is at hand: the sequence of draws stays the same).
        const feedback = type === 'DemoCompleted' || type === 'VisitCompleted' ? { budget: (dealValue * (1 + ((i + e) % 4)) * 7) % 1_200_000_000, competitor: COMPETITORS[(i + e) % 3] } : {};
        if (fate < 0.5) out.activities.push({ ...ev, ...feedback, activity_id: `${eventId}:completed`, kind: 'completed', staff_id: assignee, at: dt(scheduledAt + (r.int(240) - 60) * 60_000) });
        else if (fate < 0.7) out.activities.push({ ...ev, activity_id: `${eventId}:missed`, kind: 'missed', staff_id: assignee, at: dt(scheduledAt + 2 * 3_600_000) });
      }
    }
  }
  messages(out, random(seed + 1));
  return out;
}

/**
 * Each tenant's messages: per client, a thread of up to 8 in time order, inbound and outbound
 * (the sender a staff member, its status as far as it went), some about one of the client's deals.
 */
function messages(out: FactRows, r: ReturnType<typeof random>) {
  const statusRanks = [0, 1, 2, 3, 4];
  for (const tenant of TENANTS) {
    for (let c = 0; c < 15; c++) {
      const clientId = `${tenant}-c${c}`;
      const deals = out.opportunity_state.filter((o) => o.tenant_id === tenant && o.client_id === clientId).map((o) => o.opportunity_id as string);
      let at = START + r.int(SPAN / 2);
      for (let n = 0; n < r.int(9); n++) {
        at += r.int(48 * 60) * 60_000;
        const outbound = r.next() < 0.5;
        out.messages.push({
          tenant_id: tenant,
          client_id: clientId,
          message_id: `${clientId}-m${n}`,
          opportunity_id: deals.length > 0 && r.next() < 0.6 ? r.pick(deals) : '',
          channel: r.pick(['email', 'whatsapp']),
          direction: outbound ? 'outbound' : 'inbound',
          staff_id: outbound ? r.pick(STAFF) : '',
          status_rank: outbound ? r.pick(statusRanks) : 0,
          at: dt(at),
        });
      }
    }
  }
}

export const TABLE_OF: Record<SourceName, keyof FactRows> = {
  opportunities: 'opportunity_state',
  activities: 'activities',
  stage_transitions: 'stage_transitions',
  credits: 'revenue_credits',
  leads: 'lead_arrivals',
  messages: 'messages',
};

/** Whether a caller with `scope` may see the row of `source` (DESIGN §4, per source). */
export function visible(source: SourceName, row: FactRow, scope: ReportScope): boolean {
  if (scope.kind === 'tenant') return true;
  if (scope.kind === 'handed') return scope.opportunityIds.includes(row.opportunity_id as string);
  const own = (...staff: unknown[]) => staff.some((s) => scope.staffIds.includes(s as string));
  switch (source) {
    case 'opportunities':
      return own(row.assigned_to, row.lead_owner, row.closing_owner, ...(row.co_salespersons as string[]));
    case 'activities':
      return own(row.staff_id, row.assignee);
    case 'stage_transitions':
    case 'leads':
      return own(row.assigned_to);
    case 'credits':
    case 'messages':
      return own(row.staff_id);
  }
}

/**
 * Whether a staff scope may still GET the deal a history row names (compile.ts stillVisible): a row
 * about no deal, or one whose latest version the caller is linked to as the opportunities source reads it.
 */
export function dealStillVisible(all: FactRows, row: FactRow, scope: ReportScope): boolean {
  if (scope.kind !== 'staff' || !row.opportunity_id) return true;
  const versions = all.opportunity_state.filter((o) => o.tenant_id === row.tenant_id && o.opportunity_id === row.opportunity_id);
  if (versions.length === 0) return false;
  const latest = versions.reduce((a, b) => (Number(b.version) > Number(a.version) ? b : a));
  return visible('opportunities', latest, scope);
}

// ── random valid specs ────────────────────────────────────────────────────────────────────────

/** A string no SQL text of the compiler holds: a filter value that must appear only as a parameter. */
export const TOKEN = /^zq[0-9a-f]{6}$/;
const token = fc.stringMatching(/^[0-9a-f]{6}$/).map((h) => `zq${h}`);
const POOLS: Record<string, readonly string[]> = {
  productId: PRODUCTS,
  channel: CHANNELS,
  lostReason: LOST_REASONS,
  team: ['m1', 'm2', ''],
  role: ['manager', 'asst_manager', 'tse', 'sales_officer'],
  partnerCompanyId: ['p1', ''],
  competitor: COMPETITORS,
};
const poolOf = (name: string): readonly string[] => POOLS[name] ?? (/^(assignedTo|leadOwner|closingOwner|staffId|assignee|actor|coSalespersons|warriors|answeredBy)$/.test(name) ? [...STAFF, 'w1'] : []);
const day = fc.integer({ min: 0, max: 120 }).map((n) => new Date(START - 10 * 86_400_000 + n * 86_400_000).toISOString().slice(0, 10));
const instant = fc.integer({ min: 0, max: SPAN }).chain((ms) => {
  const iso = new Date(START + ms).toISOString();
  return fc.constantFrom(iso, `${iso.slice(0, 19)}+05:30`);
});

function scalarOf(name: string, f: Field): fc.Arbitrary<string | number | boolean> {
  switch (f.type) {
    case 'string':
    case 'strings': {
      if (f.values) return fc.constantFrom(...f.values);
      const pool = poolOf(name);
      return pool.length ? fc.oneof({ arbitrary: fc.constantFrom(...pool), weight: 4 }, { arbitrary: token, weight: 1 }) : token;
    }
    case 'int':
    case 'money':
      return fc.oneof(fc.integer({ min: 0, max: 120 }), fc.integer({ min: 100_001, max: 10_000_000 }));
    case 'float':
      return fc.double({ min: 0, max: 200, noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'date':
      return day;
    case 'datetime':
      return fc.oneof(day, instant);
  }
}

const filterOf = (name: string, f: Field, op: Op) =>
  (op === 'in' ? fc.uniqueArray(scalarOf(name, f) as fc.Arbitrary<string | number>, { minLength: 1, maxLength: 3 }) : scalarOf(name, f)).map((value) => ({ field: name, op, value }));

export function specOf(name: SourceName): fc.Arbitrary<ReportSpecInput> {
  const s: Source = sources[name];
  const fields = Object.entries(s.fields);
  const dimensions = [...buckets, ...fields.filter(([, f]) => f.dimension).map(([k]) => k)];
  const measures = ['count', ...fields.flatMap(([k, f]) => f.aggregates.map((a) => `${a}:${k}`))];
  const filters = fields.flatMap(([k, f]) => f.ops.map((op) => filterOf(k, f, op)));
  const periodStart = fc.integer({ min: 0, max: 85 }).map((n) => new Date(START - 5 * 86_400_000 + n * 86_400_000).toISOString().slice(0, 10));
  const period = fc.record({ from: periodStart, length: fc.integer({ min: 6, max: 100 }), on: fc.option(fc.constantFrom(...Object.keys(s.time)), { nil: undefined }) }).map(({ from, length, on }) => ({
    from,
    to: new Date(Date.parse(from) + length * 86_400_000).toISOString().slice(0, 10),
    ...(on && { on }),
  }));
  return fc
    .record({
      dimensions: fc.uniqueArray(fc.constantFrom(...dimensions), { maxLength: 3 }),
      measures: fc.uniqueArray(fc.constantFrom(...measures), { minLength: 1, maxLength: 4 }),
      filters: fc.array(fc.oneof(...filters), { maxLength: 2 }),
      period: s.periodOptional ? fc.option(period, { nil: undefined }) : period,
      ratio: fc.boolean(),
      sortPicks: fc.array(fc.tuple(fc.nat(), fc.constantFrom('asc' as const, 'desc' as const)), { maxLength: 2 }),
      limit: fc.option(fc.integer({ min: 1, max: 10_000 }), { nil: undefined }),
    })
    .map(({ dimensions, measures, filters, period, ratio, sortPicks, limit }) => {
      const numeric = measures.filter((m) => isNumericMeasure(s, m));
      const ratios = ratio && numeric.length >= 2 ? [{ name: 'share', numerator: numeric[0]!, denominator: numeric[1]! }] : [];
      const sortable = [...dimensions, ...measures, ...ratios.map((r) => r.name)];
      const sort = [...new Map(sortPicks.map(([i, dir]) => [sortable[i % sortable.length]!, dir])).entries()].map(([by, dir]) => ({ by, dir }));
      return { source: name, dimensions, measures, ratios, filters, ...(period && { period }), sort, ...(limit && { limit }) };
    });
}

export const anySpec: fc.Arbitrary<ReportSpecInput> = fc.constantFrom(...sourceNames).chain(specOf);

export const anyScope: fc.Arbitrary<ReportScope> = fc.oneof(
  fc.constant({ kind: 'tenant' as const }),
  fc.uniqueArray(fc.constantFrom(...STAFF, 'w1'), { maxLength: 3 }).map((staffIds) => ({ kind: 'staff' as const, staffIds })),
  fc.uniqueArray(fc.integer({ min: 0, max: OPPORTUNITIES + 5 }), { maxLength: 30 }).map((ns) => ({ kind: 'handed' as const, opportunityIds: ns.map((n) => `acme-o${n}`) })),
);

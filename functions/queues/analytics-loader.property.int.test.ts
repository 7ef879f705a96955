import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context, SQSEvent } from 'aws-lambda';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Principal } from '../../domain/access/roles';
import type { CrmEvent } from '../../domain/events/event';
import type { Opportunity } from '../../domain/pipeline/opportunity';
import { stages, type Stage } from '../../domain/pipeline/stages';
import { competitorNamed } from '../../domain/reports/themes';
import { aFeedback } from '../../domain/testing/builders';
import { asQueueMessage } from '../../scripts/events';
import { getAnalytics, type Analytics } from '../lib/analytics';
import { applyMigrations } from '../lib/analytics/schema';
import { ClickHouseInsights } from '../lib/analytics/insights';
import { factTotals, type FactTotals } from '../lib/analytics/totals';
import { domainEventsOf } from '../streams/mappers';
import { History } from '../streams/testing/history';
import { handler } from './analytics-loader';

/**
 * DESIGN §5 "replaying any stream or queue batch leaves every total unchanged", as a property on
 * chDB: a random history of a sales team's day, made by the domain functions, published by the
 * real mappers, delivered to the real loader twice, shuffled, in batches of random sizes, with
 * duplicated messages and a poison message — and every fact total equals a reference kept in
 * TypeScript while the history was made.
 */
const dir = mkdtempSync(join(tmpdir(), 'loader-property-'));
process.env.ANALYTICS_MODE = 'chdb';
process.env.CHDB_PATH = dir;

let analytics: Analytics;
beforeAll(async () => {
  analytics = await getAnalytics();
  await applyMigrations(analytics);
});
afterAll(async () => {
  await analytics.close();
  rmSync(dir, { recursive: true, force: true });
});

const sellers = ['tse-1', 'tse-2', 'so-1', 'manager'] as const;
const roleOf = (s: string): Principal['role'] => (s === 'manager' ? 'manager' : s === 'so-1' ? 'sales_officer' : 'tse');
const products = ['website', 'kml', 'jewellery'] as const;

type Op =
  | { op: 'open'; client: number; product: (typeof products)[number]; stage: Exclude<Stage, 'Closed'>; by: number }
  | { op: 'move'; opp: number; stage: Exclude<Stage, 'Closed'>; by: number }
  | { op: 'win'; opp: number; by: number }
  | { op: 'lose'; opp: number; by: number }
  | { op: 'reassign'; opp: number; to: number }
  | { op: 'schedule'; opp: number; type: 'Call' | 'DemoScheduled' | 'Message'; by: number; done: boolean }
  | { op: 'complete'; event: number; by: number }
  | { op: 'sweep' };

const anOp: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('open' as const), client: fc.nat(3), product: fc.constantFrom(...products), stage: fc.constantFrom('Lead', 'Lead', 'Qualified', 'Demo') as fc.Arbitrary<Exclude<Stage, 'Closed'>>, by: fc.nat(3) }),
  fc.record({ op: fc.constant('move' as const), opp: fc.nat(20), stage: fc.constantFrom(...(stages.filter((s) => s !== 'Closed') as Exclude<Stage, 'Closed'>[])), by: fc.nat(3) }),
  fc.record({ op: fc.constant('win' as const), opp: fc.nat(20), by: fc.nat(3) }),
  fc.record({ op: fc.constant('lose' as const), opp: fc.nat(20), by: fc.nat(3) }),
  fc.record({ op: fc.constant('reassign' as const), opp: fc.nat(20), to: fc.nat(3) }),
  fc.record({ op: fc.constant('schedule' as const), opp: fc.nat(20), type: fc.constantFrom('Call', 'DemoScheduled', 'Message'), by: fc.nat(3), done: fc.boolean() }),
  fc.record({ op: fc.constant('complete' as const), event: fc.nat(30), by: fc.nat(3) }),
  fc.constant({ op: 'sweep' as const }),
);

/** The reference: what the facts must say, counted here from the domain's own results as the history is made. */
class Reference {
  readonly totals: FactTotals = { activities: {}, stagesReached: {}, opportunities: {}, revenue: {}, staff: {}, audit: {} };
  private add(map: Record<string, number>, key: string, n = 1) {
    map[key] = (map[key] ?? 0) + n;
  }
  activity(kind: string, type: string, staff: string) {
    this.add(this.totals.activities, `${kind} ${type} ${staff}`);
  }
  reached(stagesNew: readonly Stage[], assignee: string) {
    for (const s of stagesNew) this.add(this.totals.stagesReached, `${s} ${assignee}`);
  }
  audit(entity: string, action: string) {
    this.add(this.totals.audit, `${entity} ${action}`);
  }
  /** A completed demo or visit with its feedback: counted by type and the competitor named, with its budget. */
  feedback(type: string, competitor: string, budget: number) {
    const key = `${type} ${competitor}`;
    const [n, sum] = this.feedbackTotals[key] ?? [0, 0];
    this.feedbackTotals[key] = [n + 1, sum + budget];
  }
  private readonly feedbackTotals: Record<string, [number, number]> = {};
  credit(records: readonly { staffId: string; amount: number }[]) {
    for (const r of records) this.add(this.totals.revenue, r.staffId, r.amount);
  }
  finish(opportunities: readonly Opportunity[]) {
    for (const o of opportunities) {
      const key = `${o.stage !== 'Closed' ? 'open' : o.outcome === 'Won' ? 'won' : 'lost'} ${o.stage} ${o.assignedTo}`;
      const [n, value] = this.totals.opportunities[key] ?? [0, 0];
      this.totals.opportunities[key] = [n + 1, value + o.dealValue];
    }
    const sorted = (m: Record<string, unknown>) => Object.fromEntries(Object.entries(m).sort(([a], [b]) => a.localeCompare(b)));
    return {
      activities: sorted(this.totals.activities),
      stagesReached: sorted(this.totals.stagesReached),
      opportunities: sorted(this.totals.opportunities),
      revenue: sorted(this.totals.revenue),
      staff: {},
      audit: sorted(this.totals.audit),
      ...(Object.keys(this.feedbackTotals).length > 0 && { feedback: sorted(this.feedbackTotals) }),
    } as FactTotals;
  }
}

/** Plays the operations (those the domain refuses are skipped, as the API would refuse them). */
function play(tenantId: string, ops: readonly Op[]) {
  const h = new History(tenantId);
  const ref = new Reference();
  const actor = (i: number): Principal => ({ tenantId, staffId: sellers[i % sellers.length]!, role: roleOf(sellers[i % sellers.length]!) });
  const clients = Array.from({ length: 4 }, (_, i) => h.client(actor(0), new Date(Date.UTC(2026, 11, 1, 3, i)), { companyName: `Client ${i}`, mobile: `98470${String(10000 + i)}` }));
  for (let i = 0; i < clients.length; i++) ref.audit('client', 'created');
  const opportunities: Opportunity[] = [];
  const events: CrmEvent[] = [];
  let minute = 0;
  const at = () => new Date(Date.UTC(2026, 11, 1, 4, 0) + ++minute * 60_000);
  const openOpp = (i: number) => {
    const open = opportunities.filter((o) => o.stage !== 'Closed');
    return open.length ? open[i % open.length] : undefined;
  };
  const replace = (o: Opportunity) => (opportunities[opportunities.findIndex((x) => x.id === o.id)] = o);
  for (const op of ops) {
    try {
      switch (op.op) {
        case 'open': {
          const o = h.opportunity(actor(op.by), at(), clients[op.client]!.id, { productId: op.product, stage: op.stage });
          opportunities.push(o);
          ref.reached(o.stagesReached, o.assignedTo);
          ref.audit('opportunity', 'created');
          break;
        }
        case 'move': {
          const before = openOpp(op.opp);
          if (!before) break;
          const by = actor(op.by);
          const after = h.move(by, at(), before, { stage: op.stage, reason: 'correction' });
          ref.reached(after.stagesReached.filter((s) => !before.stagesReached.includes(s)), after.assignedTo);
          ref.audit('opportunity', 'stage_changed');
          replace(after);
          break;
        }
        case 'win': {
          const before = openOpp(op.opp);
          if (!before) break;
          const after = h.move(actor(op.by), at(), before, { stage: 'Closed', outcome: 'Won', closingOwner: before.assignedTo }, { role: roleOf(before.assignedTo), active: true });
          ref.reached(after.stagesReached.filter((s) => !before.stagesReached.includes(s)), after.assignedTo);
          ref.credit(after.credit!);
          ref.audit('opportunity', 'stage_changed');
          replace(after);
          break;
        }
        case 'lose': {
          const before = openOpp(op.opp);
          if (!before) break;
          const after = h.move(actor(op.by), at(), before, { stage: 'Closed', outcome: 'Lost', reason: 'price' });
          // A loss reaches no stage (DESIGN §3: only stages really reached count).
          ref.audit('opportunity', 'stage_changed');
          replace(after);
          break;
        }
        case 'reassign': {
          const before = openOpp(op.opp);
          if (!before) break;
          const after = h.patch({ tenantId, staffId: 'manager', role: 'manager' }, at(), before, { assignedTo: sellers[op.to % sellers.length]! });
          ref.audit('opportunity', 'updated');
          replace(after);
          break;
        }
        case 'schedule': {
          const o = openOpp(op.opp);
          if (!o) break;
          const by = actor(op.by);
          const logged = op.done && op.type !== 'DemoScheduled';
          const e = h.event(by, at(), o, { type: op.type, scheduledAt: new Date(Date.UTC(2026, 11, 1, 4, 0) + minute * 60_000).toISOString(), ...(logged && { status: 'Completed' as const }) });
          events.push(e);
          ref.activity(logged ? 'completed' : 'scheduled', op.type, by.staffId);
          ref.audit('event', 'created');
          break;
        }
        case 'complete': {
          const pending = events.filter((e) => e.status !== 'Completed' && opportunities.find((o) => o.id === e.opportunityId)?.stage !== 'Closed');
          const before = pending.length ? pending[op.event % pending.length] : undefined;
          if (!before) break;
          const by = actor(op.by);
          const result = h.complete(by, at(), before, before.type === 'DemoScheduled' ? { feedback: aFeedback() } : { remarks: 'done' });
          events[events.findIndex((e) => e.id === before.id)] = result.event;
          ref.activity('completed', before.type, by.staffId);
          ref.audit('event', 'completed');
          if (result.created) {
            events.push(result.created);
            ref.activity('completed', result.created.type, by.staffId);
            ref.feedback(result.created.type, competitorNamed(result.created.feedback!.competitorInfo), result.created.feedback!.budget);
            ref.audit('event', 'created');
          }
          break;
        }
        case 'sweep': {
          const now = at();
          const open = events.filter((e) => opportunities.find((o) => o.id === e.opportunityId)?.stage !== 'Closed');
          for (const e of h.sweep(new Date(now.getTime() + 3 * 3600_000), open)) {
            events[events.findIndex((x) => x.id === e.id)] = e;
            ref.activity('missed', e.type, e.assignee);
            ref.audit('event', 'missed');
          }
          break;
        }
      }
    } catch (error) {
      // The domain refused it (same stage, a backward move by a seller, …): nothing happened.
      if ((error as { name?: string }).name !== 'DomainError') throw error;
    }
  }
  return { changes: h.changes, expected: ref.finish(opportunities), opportunities, events };
}

const sqsMessage = (body: string, n: number) => ({
  messageId: `m-${n}-${Math.random().toString(36).slice(2)}`,
  receiptHandle: 'r',
  body,
  attributes: { ApproximateReceiveCount: '1', SentTimestamp: '1', SenderId: 'events', ApproximateFirstReceiveTimestamp: '1' },
  messageAttributes: {},
  md5OfBody: '',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:ap-south-1:000000000000:analytics-loader',
  awsRegion: 'ap-south-1',
});

let run = 0;
const insights = new ClickHouseInsights(async () => analytics);

describe('analytics loader: replays, duplicates, reordering and poison leave every total exact', () => {
  it('equals the domain reference after two shuffled deliveries with duplicates and a poison message', async () => {
    let totalEvents = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(anOp, { minLength: 20, maxLength: 60 }), fc.infiniteStream(fc.nat()), async (ops, random) => {
        const tenantId = `prop-${++run}`;
        const { changes, expected, opportunities, events } = play(tenantId, ops);
        const bodies = changes.flatMap((c) => domainEventsOf(c).events).map((e, i) => JSON.stringify(asQueueMessage(e, i)));
        totalEvents += bodies.length;
        const next = () => random.next().value as number;
        const delivery = () => {
          // Every message, a few twice (SQS at-least-once), one poison message, in a random order.
          const messages = [...bodies, ...bodies.filter(() => next() % 5 === 0), '{"poison":'];
          for (let i = messages.length - 1; i > 0; i--) {
            const j = next() % (i + 1);
            [messages[i], messages[j]] = [messages[j]!, messages[i]!];
          }
          const batches: SQSEvent[] = [];
          for (let i = 0; i < messages.length; ) {
            const size = 1 + (next() % 15);
            batches.push({ Records: messages.slice(i, i + size).map((b, k) => sqsMessage(b, i + k)) });
            i += size;
          }
          return batches;
        };
        for (const round of [delivery(), delivery()]) {
          for (const batch of round) {
            const result = await handler(batch, {} as Context);
            const poison = batch.Records.filter((r) => r.body === '{"poison":').map((r) => r.messageId);
            expect(result.batchItemFailures.map((f) => f.itemIdentifier)).toEqual(poison);
          }
        }
        expect(await factTotals(analytics, tenantId)).toEqual(expected);
        // The dashboards' own queries (insights.ts) read the same duplicated facts exactly too:
        // each seller's counters over the whole history equal the reference.
        const figures = await insights.figures(tenantId, [...sellers], { start: '2026-01-01T00:00:00.000Z', end: '2027-01-01T00:00:00.000Z' });
        for (const s of sellers) {
          const a = figures.get(s)?.achievement;
          const ref = (key: string) => expected.activities[key] ?? 0;
          expect({ staff: s, calls: a?.calls ?? 0, demos: a?.demos ?? 0, qualified: a?.qualified ?? 0, potential: a?.potential ?? 0, revenue: a?.revenue ?? 0 }).toEqual({
            staff: s,
            calls: ref(`completed Call ${s}`),
            demos: ref(`scheduled DemoScheduled ${s}`),
            qualified: expected.stagesReached[`Qualified ${s}`] ?? 0,
            potential: expected.stagesReached[`Potential ${s}`] ?? 0,
            revenue: expected.revenue[s] ?? 0,
          });
        }
        // The open pipeline (each seller's from their own rows of opportunity_by_staff, the tenant's
        // from opportunity_state FINAL) and the deals with no next step equal the final states.
        const open = opportunities.filter((o) => o.stage !== 'Closed');
        const pipeline: Record<string, Record<string, number>> = {};
        for (const o of open) (pipeline[o.assignedTo] ??= {})[o.stage] = (pipeline[o.assignedTo]![o.stage] ?? 0) + o.dealValue;
        const asObject = (m: Map<string, Partial<Record<Stage, number>>>) => Object.fromEntries([...m].sort(([a], [b]) => a.localeCompare(b)));
        const sorted = Object.fromEntries(Object.entries(pipeline).sort(([a], [b]) => a.localeCompare(b)));
        expect(asObject(await insights.openPipeline(tenantId, undefined))).toEqual(sorted);
        for (const s of sellers) expect(asObject(await insights.openPipeline(tenantId, [s]))).toEqual(pipeline[s] ? { [s]: pipeline[s] } : {});
        const health = await insights.pipelineHealth(tenantId, [...sellers], { staleBefore: '2000-01-01T00:00:00.000Z', limit: 1000 });
        const withNextStep = new Set(events.filter((e) => e.status === 'Pending').map((e) => e.opportunityId));
        expect(health.noNextStep.deals.map((d) => d.opportunityId).sort()).toEqual(open.filter((o) => !withNextStep.has(o.id)).map((o) => o.id).sort());
      }),
      { numRuns: 12 },
    );
    // The histories were not empty: some tens of events per run went through.
    expect(totalEvents).toBeGreaterThan(12 * 15);
  }, 120_000);
});

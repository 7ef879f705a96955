import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openChdb, type ChdbAnalytics } from '../../../functions/lib/analytics/analytics.chdb';
import type { Row } from '../../../functions/lib/analytics/port';
import { factsOf } from '../../../functions/lib/analytics/projections';
import { applyMigrations } from '../../../functions/lib/analytics/schema';
import { eventCompleted, type CatalogEvent } from '../../../events/catalog';
import type { EventType } from '../../events/event';
import type { Feedback } from '../../events/feedback';
import { aFeedback, anEvent } from '../../testing/builders';
import type { CompileContext, CompiledQuery, ReportScope } from '../compile';
import { catalogueReport, compileCatalogueReport } from '.';

/**
 * The feedback theme reports (catalogue/feedback.ts) on the engine, from the event.completed
 * events the loader projects: budget bands, competitors named, and both by product.
 */
const dir = mkdtempSync(join(tmpdir(), 'chdb-feedback-reports-'));
let analytics: ChdbAnalytics;

const ctx = (scope: ReportScope): CompileContext => ({ tenantId: 'acme', scope, timeZone: 'Asia/Kolkata', asOf: '2026-04-01T00:00:00.000Z' });
const MARCH = { period: { from: '2026-03-01', to: '2026-03-31' } };

const completed = (tenantId: string, id: string, type: EventType, by: string, opportunityId: string, productId: string, feedback?: Record<string, unknown>, at = '2026-03-10T06:00:00.000Z') =>
  eventCompleted.create({
    eventId: `${id}:completed`,
    tenantId,
    entityId: id,
    occurredAt: at,
    actor: by,
    data: {
      event: anEvent({ id, type, opportunityId, productId, assignee: by, createdBy: by, updatedBy: by, status: 'Completed', completedAt: at, ...(feedback && { feedback: feedback as Feedback }) }),
    },
  });

const history: CatalogEvent[] = [
  completed('acme', 'f1', 'DemoCompleted', 'tse-1', 'o_1', 'website', aFeedback({ budget: 5_000_000, competitorInfo: 'Zoho CRM' })), // ₹50,000
  completed('acme', 'f2', 'DemoCompleted', 'tse-2', 'o_2', 'website', aFeedback({ budget: 20_000_000, competitorInfo: '  zoho   crm ' })), // ₹2 L
  completed('acme', 'f3', 'VisitCompleted', 'tse-1', 'o_3', 'nbfc', aFeedback({ budget: 300_000_000, competitorInfo: 'None' })), // ₹30 L
  completed('acme', 'f4', 'VisitCompleted', 'tse-2', 'o_4', 'nbfc', aFeedback({ budget: 1_500_000_000, competitorInfo: 'LeadSquared' })), // ₹1.5 Cr
  completed('acme', 'f5', 'DemoCompleted', 'tse-1', 'o_1', 'website', aFeedback({ budget: 10_000_000, competitorInfo: 'n/a' })), // exactly ₹1 L
  completed('acme', 'c1', 'Call', 'tse-1', 'o_1', 'website'),
  // Completing the Demo Scheduled follow-up made f5; the scheduled one itself carries no feedback.
  completed('acme', 's1', 'DemoScheduled', 'tse-1', 'o_1', 'website'),
  completed('acme', 'f6', 'DemoCompleted', 'tse-1', 'o_1', 'website', aFeedback({ budget: 1, competitorInfo: 'Zoho CRM' }), '2026-02-10T06:00:00.000Z'), // February
  completed('zeta', 'f1', 'DemoCompleted', 'tse-1', 'o_1', 'website', aFeedback({ budget: 5_000_000, competitorInfo: 'Zoho CRM' })),
];

beforeAll(async () => {
  analytics = openChdb(dir);
  await applyMigrations(analytics);
  const load = async (events: readonly CatalogEvent[]) => {
    const tables = new Map<string, Row[]>();
    for (const e of events) for (const [table, rows] of Object.entries(factsOf(e))) tables.set(table, [...(tables.get(table) ?? []), ...rows!]);
    for (const [table, rows] of tables) await analytics.insert(table, rows);
  };
  await load(history);
  await load(history.slice(0, 3)); // delivered again: counted once
});
afterAll(async () => {
  await analytics?.close();
  rmSync(dir, { recursive: true, force: true });
});

const round = (v: unknown) => (typeof v === 'number' && !Number.isInteger(v) ? Number(v.toPrecision(9)) : v);
const run = async (q: CompiledQuery) => (await analytics.query<Record<string, unknown>>(q.sql, q.params as never)).map((r) => Object.values(r).map(round));
const report = (id: string, scope: ReportScope = { kind: 'tenant' }) => run(compileCatalogueReport(catalogueReport(id)!, MARCH, ctx(scope)));

describe('feedback theme reports', () => {
  it('budget bands, in band order: count, demos completed, visits completed, median budget', async () => {
    expect(await report('feedback-budget-bands')).toEqual([
      ['< ₹1 L', 1, 1, 0, 5_000_000],
      ['₹1–5 L', 2, 2, 0, 15_000_000],
      ['₹25 L–1 Cr', 1, 0, 1, 300_000_000],
      ['≥ ₹1 Cr', 1, 0, 1, 1_500_000_000],
    ]);
  });

  it('competitors named, normalised, per product: how often and on how many opportunities, most named first', async () => {
    expect(await report('feedback-competitors')).toEqual([
      ['zoho crm', 'website', 2, 2],
      ['leadsquared', 'nbfc', 1, 1],
    ]);
  });

  it('budgets and competition by product: count, median and average budget, competitor named and its share', async () => {
    expect(await report('feedback-by-product')).toEqual([
      ['nbfc', 2, 900_000_000, 900_000_000, 1, 0.5],
      ['website', 3, 10_000_000, 11_666_666.7, 2, 0.666666667],
    ]);
  });

  it('a seller sees the demos and visits they completed or were given; a warrior those of the deals handed to them', async () => {
    expect(await report('feedback-budget-bands', { kind: 'staff', staffIds: ['tse-1'] })).toEqual([
      ['< ₹1 L', 1, 1, 0, 5_000_000],
      ['₹1–5 L', 1, 1, 0, 10_000_000],
      ['₹25 L–1 Cr', 1, 0, 1, 300_000_000],
    ]);
    expect(await report('feedback-competitors', { kind: 'staff', staffIds: ['tse-2'] })).toEqual([
      ['leadsquared', 'nbfc', 1, 1],
      ['zoho crm', 'website', 1, 1],
    ]);
    expect(await report('feedback-by-product', { kind: 'handed', opportunityIds: ['o_1'] })).toEqual([['website', 2, 7_500_000, 7_500_000, 1, 0.5]]);
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stages } from '../../domain/pipeline/stages';
import { useLocalStack } from '../../test/stack';

/**
 * Property over the real API on DynamoDB Local (issue: sales pipeline core): whatever sequence of
 * commands sellers and managers send, no opportunity's stage record skips a stage, no client has two
 * open opportunities for one product, and no Demo/Visit Completed event is Completed without feedback.
 */
const api = useLocalStack();
const tse = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const manager = { tenantId: 'demo', staffId: 'manager', role: 'manager' } as const;
const products = ['website', 'kml', 'chitty'] as const;
const feedback = {
  customerFeedback: 'ok',
  requirementDetails: 'r',
  suggestions: 's',
  budget: 100,
  expectedClosingTimeline: '2026-12-31',
  competitorInfo: 'c',
  staffRemarks: 'sr',
  customerCommitments: 'cc',
};

const command = fc.oneof(
  fc.record({ kind: fc.constant('create' as const), product: fc.constantFrom(...products), stage: fc.constantFrom('Lead', 'Qualified', 'Demo', 'Visit') }),
  fc.record({
    kind: fc.constant('stage' as const),
    opp: fc.nat(5),
    stage: fc.constantFrom(...stages),
    outcome: fc.constantFrom(undefined, 'Won', 'Lost'),
    reason: fc.constantFrom(undefined, 'price'),
    asManager: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('event' as const),
    opp: fc.nat(5),
    type: fc.constantFrom('Call', 'DemoScheduled', 'DemoCompleted', 'VisitScheduled', 'VisitCompleted', 'Negotiation'),
    completed: fc.boolean(),
    withFeedback: fc.boolean(),
    partialFeedback: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('complete' as const), event: fc.nat(8), withFeedback: fc.boolean(), partialFeedback: fc.boolean() }),
);

let phone = 9544000000;

describe('pipeline invariants under any command sequence (fast-check over HTTP)', () => {
  it('never skips a recorded stage, never holds two open opportunities per product, never completes a demo/visit without feedback', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 5, maxLength: 18 }), async (commands) => {
        phone += 1;
        const clientId = (await api.as(tse).post('/v1/clients', { companyName: `Prop ${phone}`, ownerName: 'P', mobile: String(phone) })).body.id as string;
        const opps: string[] = [];
        const events: string[] = [];
        const fb = (withFeedback: boolean, partial: boolean) => (withFeedback ? (partial ? { ...feedback, staffRemarks: undefined } : feedback) : undefined);
        for (const c of commands) {
          if (c.kind === 'create') {
            const res = await api.as(tse).post(`/v1/clients/${clientId}/opportunities`, { productId: c.product, stage: c.stage });
            if (res.status === 201) opps.push(res.body.id);
          } else if (c.kind === 'stage' && opps.length > 0) {
            const id = opps[c.opp % opps.length]!;
            await api.as(c.asManager ? manager : tse).post(`/v1/opportunities/${id}/stage`, { stage: c.stage, ...(c.outcome && { outcome: c.outcome }), ...(c.reason && { reason: c.reason }) });
          } else if (c.kind === 'event' && opps.length > 0) {
            const id = opps[c.opp % opps.length]!;
            const res = await api.as(tse).post(`/v1/opportunities/${id}/events`, {
              type: c.type,
              scheduledAt: '2026-12-01T10:00:00Z',
              ...(c.completed && { status: 'Completed' }),
              ...(fb(c.withFeedback, c.partialFeedback) && { feedback: fb(c.withFeedback, c.partialFeedback) }),
            });
            if (res.status === 201) events.push(res.body.id);
          } else if (c.kind === 'complete' && events.length > 0) {
            const id = events[c.event % events.length]!;
            const body = fb(c.withFeedback, c.partialFeedback);
            const res = await api.as(tse).post(`/v1/events/${id}/complete`, body ? { feedback: body } : undefined);
            expect(res.status).toBeLessThan(500);
          }
        }

        const profile = (await api.as(manager).get(`/v1/clients/${clientId}/profile`)).body;
        // One open opportunity per product.
        const openProducts = profile.activeOpportunities.map((o: { productId: string }) => o.productId);
        expect(new Set(openProducts).size).toBe(openProducts.length);
        // No Demo/Visit Completed completed without all eight fields.
        for (const e of profile.history) {
          if (['DemoCompleted', 'VisitCompleted'].includes(e.type) && e.status === 'Completed') expect(Object.keys(e.feedback ?? {}).sort()).toEqual(Object.keys(feedback).sort());
        }
        // Every stage up to the furthest reached is recorded, once, in order; the history accounts for each.
        for (const id of opps) {
          const o = (await api.as(manager).get(`/v1/opportunities/${id}`)).body;
          const furthest = Math.max(...o.stagesReached.map((s: (typeof stages)[number]) => stages.indexOf(s)));
          expect(o.stagesReached).toEqual(stages.slice(0, furthest + 1));
          const history = (await api.as(manager).get(`/v1/opportunities/${id}/history`)).body.items as { newlyReached: string[] }[];
          const counted = history.flatMap((t) => t.newlyReached);
          expect(new Set(counted).size).toBe(counted.length);
          for (const s of counted) expect(o.stagesReached).toContain(s);
        }
      }),
      { numRuns: 10 },
    );
  });
});

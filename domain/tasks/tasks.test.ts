import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anEvent } from '../testing/builders';
import { dailyTasks, taskCounts } from './tasks';

const base = { date: '2026-12-01', timeZone: 'Asia/Kolkata', today: [], overdue: [], targets: [], noNextStep: [] };

describe('daily tasks (DESIGN §3)', () => {
  it('lists overdue follow-ups, today’s in time order, the targets still to do and the deals with no next step', () => {
    const tasks = dailyTasks({
      ...base,
      today: [
        anEvent({ id: 'e-visit', type: 'VisitScheduled', scheduledAt: '2026-12-01T09:30:00.000Z' }),
        anEvent({ id: 'e-call', type: 'Call', scheduledAt: '2026-12-01T04:00:00.000Z', status: 'Completed' }),
      ],
      overdue: [anEvent({ id: 'e-old', type: 'Message', scheduledAt: '2026-11-29T06:15:00.000Z', status: 'Missed' })],
      targets: [
        { metric: 'calls', target: 60, achieved: 18 },
        { metric: 'qualified', target: 20, achieved: 20 },
        { metric: 'visits', target: 0, achieved: 0 },
      ],
      noNextStep: [{ opportunityId: 'o-1', stage: 'Qualified', since: '2026-11-20T05:00:00.000Z' }],
    });
    expect(tasks).toEqual([
      { id: '2026-12-01:overdue:e-old', kind: 'overdue', status: 'pending', text: 'Message overdue since 2026-11-29 11:45 (missed)', eventId: 'e-old', opportunityId: 'opp-1', scheduledAt: '2026-11-29T06:15:00.000Z' },
      { id: '2026-12-01:event:e-call', kind: 'event', status: 'completed', text: 'Call at 09:30', eventId: 'e-call', opportunityId: 'opp-1', scheduledAt: '2026-12-01T04:00:00.000Z' },
      { id: '2026-12-01:event:e-visit', kind: 'event', status: 'pending', text: 'Visit at 15:00', eventId: 'e-visit', opportunityId: 'opp-1', scheduledAt: '2026-12-01T09:30:00.000Z' },
      { id: '2026-12-01:target:calls', kind: 'target', status: 'pending', text: 'calls: 42 of 60 to go', metric: 'calls', target: 60, achieved: 18, remaining: 42 },
      { id: '2026-12-01:target:qualified', kind: 'target', status: 'completed', text: 'qualified: 20 of 20 done', metric: 'qualified', target: 20, achieved: 20, remaining: 0 },
      { id: '2026-12-01:no_next_step:o-1', kind: 'no_next_step', status: 'pending', text: 'No next step on a deal at Qualified since 2026-11-20: schedule a follow-up', opportunityId: 'o-1' },
    ]);
    expect(taskCounts(tasks)).toEqual({ pending: 4, completed: 2 });
  });

  it('completes an event’s task exactly when the event is completed, and a target’s when the counter reaches it', () => {
    fc.assert(
      fc.property(fc.constantFrom('Pending' as const, 'Completed' as const, 'Missed' as const), fc.nat(80), fc.integer({ min: 1, max: 80 }), (status, achieved, target) => {
        const [event, goal] = dailyTasks({ ...base, today: [anEvent({ status, scheduledAt: '2026-12-01T05:00:00.000Z' })], targets: [{ metric: 'calls', target, achieved }] });
        expect(event!.status).toBe(status === 'Completed' ? 'completed' : 'pending');
        expect(goal!.status).toBe(achieved >= target ? 'completed' : 'pending');
        expect(goal!.remaining).toBe(Math.max(0, target - achieved));
      }),
    );
  });
});

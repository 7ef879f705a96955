import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Principal } from '../access/roles';
import { DomainError } from '../errors';
import { completeEvent, EventInput, eventTypes, isOverdue, markMissed, newEvent, type CrmEvent, type EventType } from './event';
import { Feedback, feedbackFields } from './feedback';
import { aFeedback, anEvent } from '../testing/builders';

const createdAt = new Date('2026-03-02T04:30:00.000Z');
const doneAt = new Date('2026-03-03T08:45:00.000Z');

const aPrincipal = (overrides: Partial<Principal> = {}): Principal => ({ tenantId: 'demo', staffId: 'tse-1', role: 'tse', ...overrides });


const anEventInput = (raw: Record<string, unknown> = {}) => EventInput.parse({ type: 'Call', scheduledAt: '2026-03-03T05:00:00.000Z', ...raw });

const aNewEventContext = (overrides: Partial<Parameters<typeof newEvent>[1]> = {}) => ({
  id: 'ev-1',
  opportunityId: 'opp-1',
  clientId: 'client-1',
  productId: 'website',
  actor: aPrincipal(),
  now: createdAt,
  ...overrides,
});

const aCompleteContext = (overrides: Partial<Parameters<typeof completeEvent>[2]> = {}) => ({ now: doneAt, actor: aPrincipal(), newId: () => 'ev-2', ...overrides });

const fieldError = (field: string, code: string, message: string) =>
  expect.objectContaining({ kind: 'invalid', code: 'validation_failed', details: { errors: [{ field, code, message }] } });

const eightRequired = expect.objectContaining({
  kind: 'invalid',
  code: 'validation_failed',
  details: { errors: feedbackFields.map((f) => ({ field: `body.feedback.${f}`, code: 'required', message: 'is required to complete a demo or visit' })) },
});

describe('newEvent', () => {
  it('creates a Pending event assigned to the caller by default', () => {
    expect(newEvent(anEventInput(), aNewEventContext())).toEqual({
      id: 'ev-1',
      opportunityId: 'opp-1',
      clientId: 'client-1',
      type: 'Call',
      status: 'Pending',
      scheduledAt: '2026-03-03T05:00:00.000Z',
      assignee: 'tse-1',
      remarks: '',
      notes: '',
      productId: 'website',
      createdAs: 'Pending',
      createdBy: 'tse-1',
      createdAt: '2026-03-02T04:30:00.000Z',
      updatedBy: 'tse-1',
      updatedAt: '2026-03-02T04:30:00.000Z',
      version: 1,
    });
  });

  it('stores the scheduled time in UTC', () => {
    expect(newEvent(anEventInput({ scheduledAt: '2026-03-03T10:30:00+05:30' }), aNewEventContext()).scheduledAt).toBe('2026-03-03T05:00:00.000Z');
  });

  it('keeps the given assignee, remarks and notes', () => {
    expect(newEvent(anEventInput({ assignee: 'warrior-1', remarks: 'call after lunch', notes: 'asked for a quote' }), aNewEventContext())).toMatchObject({
      assignee: 'warrior-1',
      remarks: 'call after lunch',
      notes: 'asked for a quote',
      createdBy: 'tse-1',
    });
  });

  it.each(eventTypes)('creates a Pending %s event at any stage, without feedback', (type) => {
    expect(newEvent(anEventInput({ type }), aNewEventContext())).toMatchObject({ type, status: 'Pending' });
  });

  it('logs a Call that already happened as Completed, without feedback', () => {
    const event = newEvent(anEventInput({ status: 'Completed' }), aNewEventContext());
    expect(event).toMatchObject({ status: 'Completed', completedAt: '2026-03-02T04:30:00.000Z' });
    expect(event).not.toHaveProperty('feedback');
  });

  it.each(['DemoCompleted', 'VisitCompleted'] as const)('refuses to log a %s as Completed without feedback, naming all eight fields', (type) => {
    expect(() => newEvent(anEventInput({ type, status: 'Completed' }), aNewEventContext())).toThrow(eightRequired);
  });

  it.each(['DemoCompleted', 'VisitCompleted'] as const)('refuses to log a %s as Completed with incomplete feedback', (type) => {
    expect(() => newEvent(anEventInput({ type, status: 'Completed', feedback: aFeedback({ budget: -5 }) }), aNewEventContext())).toThrow(
      fieldError('body.feedback.budget', 'too_small', 'must be 0 or more'),
    );
  });

  it.each(['DemoCompleted', 'VisitCompleted'] as const)('logs a %s as Completed with full feedback', (type) => {
    expect(newEvent(anEventInput({ type, status: 'Completed', feedback: aFeedback() }), aNewEventContext())).toMatchObject({
      type,
      status: 'Completed',
      completedAt: '2026-03-02T04:30:00.000Z',
      feedback: aFeedback(),
    });
  });

  it.each(['DemoScheduled', 'VisitScheduled'] as const)('refuses to create a %s already Completed with 422 on body.status', (type) => {
    expect(() => newEvent(anEventInput({ type, status: 'Completed' }), aNewEventContext())).toThrow(
      fieldError('body.status', 'not_applicable', `a ${type} event is created Pending and completed later`),
    );
  });

  it.each([
    ['a Call', { type: 'Call' }],
    ['a Completed Call', { type: 'Call', status: 'Completed' }],
    ['a Pending DemoCompleted', { type: 'DemoCompleted' }],
    ['a DemoScheduled', { type: 'DemoScheduled' }],
  ])('refuses feedback on %s with 422 not_applicable', (_, raw) => {
    expect(() => newEvent(anEventInput({ ...raw, feedback: aFeedback() }), aNewEventContext())).toThrow(
      fieldError('body.feedback', 'not_applicable', 'is given only when completing a Demo or Visit'),
    );
  });
});

describe('EventInput', () => {
  it('refuses a scheduled time that is not an ISO-8601 date-time', () => {
    expect(EventInput.safeParse({ type: 'Call', scheduledAt: '03/03/2026 10:30' }).error?.issues).toEqual([
      expect.objectContaining({ path: ['scheduledAt'], message: 'must be an ISO-8601 date-time with a time zone, like 2026-12-01T10:00:00+05:30' }),
    ]);
  });

  it('refuses an event created Missed: only the system marks events Missed', () => {
    expect(EventInput.safeParse({ type: 'Call', scheduledAt: '2026-03-03T05:00:00Z', status: 'Missed' }).success).toBe(false);
  });
});

describe('completeEvent', () => {
  it('completes a Call without feedback', () => {
    const before = anEvent();
    expect(completeEvent(before, { remarks: 'spoke to the owner' }, aCompleteContext())).toEqual({
      event: { ...before, status: 'Completed', completedAt: '2026-03-03T08:45:00.000Z', remarks: 'spoke to the owner', updatedBy: 'tse-1', updatedAt: '2026-03-03T08:45:00.000Z', version: 2 },
    });
  });

  it('keeps the remarks and notes when none are given', () => {
    const { event } = completeEvent(anEvent({ remarks: 'r', notes: 'n' }), {}, aCompleteContext());
    expect(event).toMatchObject({ remarks: 'r', notes: 'n' });
  });

  it('refuses feedback on a Call with 422 not_applicable', () => {
    expect(() => completeEvent(anEvent(), { feedback: aFeedback() }, aCompleteContext())).toThrow(
      fieldError('body.feedback', 'not_applicable', 'is given only when completing a Demo or Visit'),
    );
  });

  it.each(['DemoScheduled', 'VisitScheduled', 'DemoCompleted', 'VisitCompleted'] as const)('refuses to complete a %s without feedback', (type) => {
    expect(() => completeEvent(anEvent({ type }), {}, aCompleteContext())).toThrow(eightRequired);
  });

  it('completes a DemoScheduled with feedback by creating a DemoCompleted record that points back to it', () => {
    const scheduled = anEvent({ type: 'DemoScheduled', assignee: 'so-1', remarks: 'bring laptop' });
    const result = completeEvent(scheduled, { remarks: 'went well', notes: 'owner and accountant', feedback: aFeedback() }, aCompleteContext());
    expect(result).toEqual({
      event: {
        ...scheduled,
        status: 'Completed',
        completedAt: '2026-03-03T08:45:00.000Z',
        remarks: 'went well',
        notes: 'owner and accountant',
        completedBy: 'ev-2',
        updatedBy: 'tse-1',
        updatedAt: '2026-03-03T08:45:00.000Z',
        version: 2,
      },
      created: {
        id: 'ev-2',
        opportunityId: 'opp-1',
        clientId: 'client-1',
        type: 'DemoCompleted',
        status: 'Completed',
        scheduledAt: '2026-03-03T05:00:00.000Z',
        completedAt: '2026-03-03T08:45:00.000Z',
        assignee: 'so-1',
        remarks: 'went well',
        notes: 'owner and accountant',
        feedback: aFeedback(),
        completes: 'ev-1',
        createdAs: 'Completed',
        createdBy: 'tse-1',
        createdAt: '2026-03-03T08:45:00.000Z',
        updatedBy: 'tse-1',
        updatedAt: '2026-03-03T08:45:00.000Z',
        version: 1,
      },
    });
  });

  it('completes a VisitScheduled with feedback by creating a VisitCompleted record', () => {
    const { event, created } = completeEvent(anEvent({ type: 'VisitScheduled' }), { feedback: aFeedback() }, aCompleteContext({ newId: () => 'ev-9' }));
    expect(event).toMatchObject({ status: 'Completed', completedBy: 'ev-9' });
    expect(event).not.toHaveProperty('feedback');
    expect(created).toMatchObject({ id: 'ev-9', type: 'VisitCompleted', status: 'Completed', completes: 'ev-1', feedback: aFeedback() });
  });

  it('completes a Pending DemoCompleted with feedback in place, creating nothing', () => {
    const result = completeEvent(anEvent({ type: 'DemoCompleted' }), { feedback: aFeedback() }, aCompleteContext());
    expect(result.event).toMatchObject({ status: 'Completed', feedback: aFeedback(), version: 2 });
    expect(result).not.toHaveProperty('created');
  });

  it('refuses to complete an event already Completed with 409', () => {
    expect(() => completeEvent(anEvent({ status: 'Completed', completedAt: createdAt.toISOString() }), {}, aCompleteContext())).toThrow(
      expect.objectContaining({ kind: 'conflict', code: 'event_already_completed' }),
    );
  });

  it('completes a Missed event late, keeping when it was missed', () => {
    const missed = anEvent({ status: 'Missed', missedAt: '2026-03-03T07:00:00.000Z', version: 2 });
    expect(completeEvent(missed, {}, aCompleteContext()).event).toMatchObject({
      status: 'Completed',
      missedAt: '2026-03-03T07:00:00.000Z',
      completedAt: '2026-03-03T08:45:00.000Z',
      version: 3,
    });
  });

  it('leaves the event it was given untouched', () => {
    const scheduled = anEvent({ type: 'DemoScheduled' });
    const snapshot = structuredClone(scheduled);
    completeEvent(scheduled, { feedback: aFeedback() }, aCompleteContext());
    expect(scheduled).toEqual(snapshot);
  });
});

describe('isOverdue (grace 120 minutes)', () => {
  const scheduledAt = '2026-03-03T05:00:00.000Z';
  const grace = 120;

  it.each([
    ['exactly at scheduled time + grace', '2026-03-03T07:00:00.000Z', true],
    ['one millisecond before scheduled time + grace', '2026-03-03T06:59:59.999Z', false],
    ['a day later', '2026-03-04T07:00:00.000Z', true],
    ['at the scheduled time', '2026-03-03T05:00:00.000Z', false],
    ['before the scheduled time', '2026-03-02T05:00:00.000Z', false],
  ])('a Pending event checked %s (%s) is overdue: %s', (_, now, overdue) => {
    expect(isOverdue(anEvent({ scheduledAt }), new Date(now), grace)).toBe(overdue);
  });

  it.each(['Completed', 'Missed'] as const)('a %s event is never overdue', (status) => {
    expect(isOverdue(anEvent({ scheduledAt, status }), new Date('2030-01-01T00:00:00.000Z'), grace)).toBe(false);
  });

  it('with no grace, a Pending event is overdue from its scheduled time', () => {
    expect(isOverdue(anEvent({ scheduledAt }), new Date(scheduledAt), 0)).toBe(true);
    expect(isOverdue(anEvent({ scheduledAt }), new Date('2026-03-03T04:59:59.999Z'), 0)).toBe(false);
  });
});

describe('markMissed', () => {
  it('marks exactly the overdue Pending events Missed, bumping their version', () => {
    const now = new Date('2026-03-03T07:00:00.000Z');
    const dueNow = anEvent({ id: 'ev-due', scheduledAt: '2026-03-03T05:00:00.000Z', version: 3 });
    const almost = anEvent({ id: 'ev-almost', scheduledAt: '2026-03-03T05:00:00.001Z' });
    const done = anEvent({ id: 'ev-done', scheduledAt: '2026-03-01T05:00:00.000Z', status: 'Completed' });
    const missed = anEvent({ id: 'ev-missed', scheduledAt: '2026-03-01T05:00:00.000Z', status: 'Missed' });
    const old = anEvent({ id: 'ev-old', scheduledAt: '2026-02-01T05:00:00.000Z' });
    expect(markMissed([dueNow, almost, done, missed, old], now, 120)).toEqual([
      { ...dueNow, status: 'Missed', missedAt: '2026-03-03T07:00:00.000Z', updatedBy: 'system', updatedAt: '2026-03-03T07:00:00.000Z', version: 4 },
      { ...old, status: 'Missed', missedAt: '2026-03-03T07:00:00.000Z', updatedBy: 'system', updatedAt: '2026-03-03T07:00:00.000Z', version: 2 },
    ]);
  });

  it('returns nothing when nothing is overdue', () => {
    expect(markMissed([anEvent()], new Date('2026-03-03T06:00:00.000Z'), 120)).toEqual([]);
  });
});

describe('property: no path completes a Demo/Visit without full feedback', () => {
  const feedbackArbitrary = fc.oneof(
    fc.constant(undefined),
    { arbitrary: fc.constant(aFeedback()), weight: 4 },
    fc.subarray([...feedbackFields], { minLength: 1 }).map((drop) => Object.fromEntries(Object.entries(aFeedback()).filter(([k]) => !drop.includes(k as never)))),
    fc.constantFrom(...feedbackFields).chain((f) => fc.constantFrom<unknown>('', '   ', -1, 1.5, null, 'not-a-date', {}).map((v) => aFeedback({ [f]: v }))),
    fc.constant(aFeedback({ extra: 'x' })),
    fc.anything(),
  );

  const anOperation = fc.oneof(
    fc.record({
      op: fc.constant('new' as const),
      type: fc.constantFrom<EventType>(...eventTypes),
      status: fc.constantFrom('Pending' as const, 'Completed' as const),
      feedback: feedbackArbitrary,
    }),
    fc.record({ op: fc.constant('complete' as const), pick: fc.nat(), feedback: feedbackArbitrary }),
  );

  it('every Completed DemoCompleted/VisitCompleted carries all eight valid feedback fields', () => {
    fc.assert(
      fc.property(fc.array(anOperation, { maxLength: 30, size: 'max' }), (operations) => {
        const events: CrmEvent[] = [];
        let ids = 0;
        const newId = () => `ev-${++ids}`;
        for (const operation of operations) {
          try {
            if (operation.op === 'new') {
              const input = EventInput.parse({
                type: operation.type,
                scheduledAt: '2026-03-03T05:00:00.000Z',
                status: operation.status,
                ...(operation.feedback !== undefined && { feedback: operation.feedback }),
              });
              events.push(newEvent(input, aNewEventContext({ id: newId() })));
            } else if (events.length > 0) {
              const index = operation.pick % events.length;
              const { event, created } = completeEvent(events[index]!, operation.feedback === undefined ? {} : { feedback: operation.feedback }, aCompleteContext({ newId }));
              events[index] = event;
              if (created) events.push(created);
            }
          } catch (error) {
            expect(error).toBeInstanceOf(DomainError);
          }
        }
        for (const event of events) {
          if (event.status === 'Completed' && (event.type === 'DemoCompleted' || event.type === 'VisitCompleted')) {
            expect(Feedback.safeParse(event.feedback).success).toBe(true);
            expect(Object.keys(event.feedback!).sort()).toEqual([...feedbackFields].sort());
          }
          // A scheduled demo/visit completed points at exactly one Completed record that points back.
          if (event.completedBy) {
            const record = events.filter((e) => e.completes === event.id);
            expect(record).toHaveLength(1);
            expect(record[0]).toMatchObject({ id: event.completedBy, status: 'Completed', feedback: expect.any(Object) });
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

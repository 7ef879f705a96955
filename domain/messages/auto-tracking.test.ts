import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { CrmEvent } from '../events/event';
import { followUpDoneByReply, replyDeal } from './auto-tracking';

const event = (id: string, over: Partial<CrmEvent>): CrmEvent =>
  ({ id, opportunityId: 'o_1', clientId: 'c_1', type: 'Message', status: 'Pending', scheduledAt: '2026-12-01T10:00:00.000Z', assignee: 'tse-1', remarks: '', notes: '', createdAs: 'Pending', createdBy: 'tse-1', createdAt: '2026-11-30T10:00:00.000Z', updatedBy: 'tse-1', updatedAt: '2026-11-30T10:00:00.000Z', version: 1, ...over }) as CrmEvent;

describe('replyDeal', () => {
  it('is the deal of the message replied to, else of the latest message we sent on that channel', () => {
    const latest = [
      { direction: 'inbound', channel: 'whatsapp' },
      { direction: 'outbound', channel: 'email', opportunityId: 'o_email' },
      { direction: 'outbound', channel: 'whatsapp', opportunityId: 'o_wa' },
    ] as const;
    expect(replyDeal({ opportunityId: 'o_quoted' }, latest, 'whatsapp')).toBe('o_quoted');
    expect(replyDeal(undefined, latest, 'whatsapp')).toBe('o_wa');
    expect(replyDeal({}, latest, 'email')).toBe('o_email');
    expect(replyDeal(undefined, [{ direction: 'outbound', channel: 'whatsapp' }, { direction: 'outbound', channel: 'whatsapp', opportunityId: 'o_old' }], 'whatsapp')).toBeUndefined();
    expect(replyDeal(undefined, [], 'email')).toBeUndefined();
  });
});

describe('followUpDoneByReply (Asia/Kolkata)', () => {
  // 2026-12-01 16:00 IST; the local day ends at 2026-12-01T18:30:00Z.
  const at = new Date('2026-12-01T10:30:00.000Z');
  it('takes the earliest Pending Message follow-up of the deal due by the end of the reply’s local day', () => {
    const events = [
      event('e_late', { scheduledAt: '2026-12-01T18:29:00.000Z' }),
      event('e_due', { scheduledAt: '2026-12-01T04:00:00.000Z' }),
      event('e_overdue_call', { type: 'Call', scheduledAt: '2026-11-30T04:00:00.000Z' }),
      event('e_done', { status: 'Completed', scheduledAt: '2026-11-29T04:00:00.000Z' }),
      event('e_missed', { status: 'Missed', scheduledAt: '2026-11-28T04:00:00.000Z' }),
      event('e_other_deal', { opportunityId: 'o_2', scheduledAt: '2026-11-27T04:00:00.000Z' }),
    ];
    expect(followUpDoneByReply(events, 'o_1', at, 'Asia/Kolkata')?.id).toBe('e_due');
    expect(followUpDoneByReply(events.filter((e) => e.id !== 'e_due'), 'o_1', at, 'Asia/Kolkata')?.id).toBe('e_late');
  });

  it('leaves a follow-up planned for the next local day (from 00:00 IST) alone', () => {
    expect(followUpDoneByReply([event('e_tomorrow', { scheduledAt: '2026-12-01T18:30:00.000Z' })], 'o_1', at, 'Asia/Kolkata')).toBeUndefined();
    // In London the same instant is still 1 December until midnight UTC.
    expect(followUpDoneByReply([event('e_tomorrow', { scheduledAt: '2026-12-01T18:30:00.000Z' })], 'o_1', at, 'Europe/London')?.id).toBe('e_tomorrow');
  });

  it('only ever picks a Pending Message follow-up of that deal, and the earliest such (any events)', () => {
    const arb = fc.array(
      fc.record({
        opportunityId: fc.constantFrom('o_1', 'o_2'),
        type: fc.constantFrom('Message', 'Call', 'QuoteShared'),
        status: fc.constantFrom('Pending', 'Completed', 'Missed'),
        minutes: fc.integer({ min: -5000, max: 5000 }),
      }),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(arb, (specs) => {
        const events = specs.map((s, i) => event(`e_${i}`, { opportunityId: s.opportunityId, type: s.type as CrmEvent['type'], status: s.status as CrmEvent['status'], scheduledAt: new Date(at.getTime() + s.minutes * 60_000).toISOString() }));
        const picked = followUpDoneByReply(events, 'o_1', at, 'Asia/Kolkata');
        const eligible = events.filter((e) => e.opportunityId === 'o_1' && e.type === 'Message' && e.status === 'Pending' && Date.parse(e.scheduledAt) < Date.parse('2026-12-01T18:30:00.000Z'));
        if (eligible.length === 0) return picked === undefined;
        return picked !== undefined && eligible.includes(picked) && eligible.every((e) => Date.parse(e.scheduledAt) >= Date.parse(picked.scheduledAt));
      }),
    );
  });
});

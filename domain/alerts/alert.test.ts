import { describe, expect, it } from 'vitest';
import { anEvent } from '../testing/builders';
import { acknowledge, alertId, escalationDraft, firstResponseOverdue, leadResponseDraft, lowConversionDrafts, missedFollowUpDraft, missedInARow, overdue, raise, repeatedMissesDraft, resolve, targetGapDraft } from './alert';

const now = new Date('2026-12-01T15:30:00.000Z');

describe('alerts (DESIGN §3)', () => {
  it('has one id per condition and period, so raising twice is the same alert', () => {
    expect(alertId('target_gap', 'tse-1', '2026-12-01')).toBe(alertId('target_gap', 'tse-1', '2026-12-01'));
    expect(alertId('target_gap', 'tse-1', '2026-12-01')).not.toBe(alertId('target_gap', 'tse-1', '2026-12-02'));
    expect(alertId('missed_follow_up', 'tse-1', '2026-12-01', 'e-1')).not.toBe(alertId('missed_follow_up', 'tse-1', '2026-12-01', 'e-2'));
    expect(alertId('missed_follow_up', 'tse-1', '2026-12-01', 'e-1')).toMatch(/^al_[0-9a-f]{32}$/);
  });

  it('raises a missed follow-up with its deadline, then acknowledges and resolves it once', () => {
    const a = raise(missedFollowUpDraft(anEvent({ id: 'e-1', status: 'Missed', scheduledAt: '2026-12-01T05:00:00.000Z' }), '2026-12-01', 'Asia/Kolkata'), now, 24);
    expect(a).toEqual({
      id: alertId('missed_follow_up', 'tse-1', '2026-12-01', 'e-1'),
      kind: 'missed_follow_up',
      staffId: 'tse-1',
      status: 'open',
      period: '2026-12-01',
      subject: 'e-1',
      message: 'Call due 2026-12-01 10:30 was missed: follow the client up and put the next step in the diary.',
      evidence: { eventId: 'e-1', type: 'Call', opportunityId: 'opp-1', clientId: 'client-1', scheduledAt: '2026-12-01T05:00:00.000Z' },
      createdAt: '2026-12-01T15:30:00.000Z',
      deadline: '2026-12-02T15:30:00.000Z',
      version: 1,
    });
    const acked = acknowledge(a, 'manager', new Date('2026-12-01T16:00:00.000Z'), 'calling back');
    expect(acked).toMatchObject({ status: 'acknowledged', acknowledgedBy: 'manager', acknowledgedAt: '2026-12-01T16:00:00.000Z', acknowledgeNote: 'calling back', version: 2 });
    expect(() => acknowledge(acked, 'manager', now)).toThrow(/only an open alert/);
    const done = resolve(acked, 'manager', new Date('2026-12-01T17:00:00.000Z'), 'resolved', 'spoke to them');
    // Each note kept: the acknowledgement's is not overwritten by the resolution's.
    expect(done).toMatchObject({ status: 'resolved', resolution: 'resolved', resolvedBy: 'manager', acknowledgeNote: 'calling back', resolveNote: 'spoke to them', version: 3 });
    expect(() => resolve(done, 'manager', now, 'resolved')).toThrow(/already resolved/);
  });

  it('raises a lead response alert for a first-response call still pending at its due time, one per call and day', () => {
    const call = anEvent({ id: 'e-9', purpose: 'first_response', scheduledAt: '2026-12-01T09:15:00.000Z', assignee: 'tse-2' });
    const source = { channel: 'facebook_lead_ads', connectionId: 'ic_1', externalId: 'lead-1', arrivedAt: '2026-12-01T09:00:00.000Z' };
    expect(firstResponseOverdue(call, new Date('2026-12-01T09:14:59.999Z'))).toBe(false);
    expect(firstResponseOverdue(call, new Date('2026-12-01T09:15:00.000Z'))).toBe(true);
    expect(firstResponseOverdue({ ...call, status: 'Completed' }, now)).toBe(false);
    expect(firstResponseOverdue({ ...call, purpose: undefined }, now)).toBe(false);
    const a = raise(leadResponseDraft(call, source, 15, '2026-12-01', 'Asia/Kolkata'), new Date('2026-12-01T09:15:00.000Z'), 24);
    expect(a).toEqual({
      id: alertId('lead_response', 'tse-2', '2026-12-01', 'e-9'),
      kind: 'lead_response',
      staffId: 'tse-2',
      status: 'open',
      period: '2026-12-01',
      subject: 'e-9',
      message: 'New lead from Facebook Lead Ads not called within 15 minutes (the call was due 2026-12-01 14:45): call them now.',
      evidence: { eventId: 'e-9', opportunityId: 'opp-1', clientId: 'client-1', dueAt: '2026-12-01T09:15:00.000Z', slaMinutes: 15, channel: 'facebook_lead_ads', arrivedAt: '2026-12-01T09:00:00.000Z', connectionId: 'ic_1' },
      createdAt: '2026-12-01T09:15:00.000Z',
      deadline: '2026-12-02T09:15:00.000Z',
      version: 1,
    });
    // Raised again by the next sweep: the same alert.
    expect(raise(leadResponseDraft(call, source, 15, '2026-12-01', 'Asia/Kolkata'), now, 24).id).toBe(a.id);
    expect(leadResponseDraft(call, { ...source, channel: 'web_form' }, 30, '2026-12-01', 'Asia/Kolkata').message).toBe('New lead from the web form not called within 30 minutes (the call was due 2026-12-01 14:45): call them now.');
    // A repeat lead on an opportunity made by hand: no source of its own.
    expect(leadResponseDraft(call, undefined, 15, '2026-12-01', 'Asia/Kolkata')).toMatchObject({
      message: 'New lead from a lead source not called within 15 minutes (the call was due 2026-12-01 14:45): call them now.',
      evidence: { eventId: 'e-9', opportunityId: 'opp-1', clientId: 'client-1', dueAt: '2026-12-01T09:15:00.000Z', slaMinutes: 15 },
    });
  });

  it('is overdue once unresolved at its deadline, acknowledged or not', () => {
    const a = raise({ kind: 'target_gap', staffId: 'tse-1', period: '2026-12-01', message: 'x', evidence: {} }, now, 24);
    expect(overdue(a, new Date('2026-12-02T15:29:59.999Z'))).toBe(false);
    expect(overdue(a, new Date('2026-12-02T15:30:00.000Z'))).toBe(true);
    expect(overdue(acknowledge(a, 'tse-1', now), new Date('2026-12-03T00:00:00.000Z'))).toBe(true);
    expect(overdue(resolve(a, 'manager', now, 'resolved'), new Date('2026-12-03T00:00:00.000Z'))).toBe(false);
  });

  it('escalates an alert to the manager, and an escalation one level further', () => {
    const a = raise({ kind: 'target_gap', staffId: 'tse-1', period: '2026-12-01', message: 'Behind.', evidence: {} }, now, 24);
    const up = raise(escalationDraft(a, 'manager', 1), now, 24);
    expect(up).toMatchObject({ kind: 'escalation', staffId: 'tse-1', escalatedTo: 'manager', level: 1, subject: `${a.id}#1`, message: 'Unresolved past its deadline: Behind.' });
    const further = escalationDraft(up, 'admin', 2);
    expect(further).toMatchObject({ escalatedTo: 'admin', level: 2, subject: `${up.id}#2`, message: 'Still unresolved after escalation: Unresolved past its deadline: Behind.' });
  });

  it('words a target gap and keeps low conversions with a sample large enough', () => {
    expect(targetGapDraft('tse-1', '2026-12-01', [])).toBeUndefined();
    expect(targetGapDraft('tse-1', '2026-12-01', [{ metric: 'calls', target: 60, due: 40, achieved: 12, ratio: 0.3 }, { metric: 'revenue', target: 6_666_667, due: 4_000_000, achieved: 0, ratio: 0 }])!.message).toBe(
      'Behind the target due by now (below 70 %): calls 12 of 40, revenue ₹0 of ₹40,000.',
    );
    const low = [
      { from: 'Call', to: 'Qualified', ratio: 0.1, assumption: 0.4, numerator: 2, denominator: 20 },
      { from: 'Demo', to: 'Closed', ratio: 0, assumption: 0.24, numerator: 0, denominator: 1 },
    ] as const;
    expect(lowConversionDrafts('tse-1', '2026-W49', low, 5).map((d) => [d.subject, d.message])).toEqual([['Call->Qualified', 'Call → Qualified at 10 % (2 of 20) against the 40 % assumed.']]);
  });

  it('finds N misses in a row among the follow-ups that were due, newest first', () => {
    const e = (id: string, status: 'Missed' | 'Completed' | 'Pending', at: string) => anEvent({ id, status, scheduledAt: `2026-12-01T${at}:00.000Z` });
    const three = [e('a', 'Missed', '04:00'), e('b', 'Missed', '05:00'), e('c', 'Missed', '06:00'), e('d', 'Completed', '03:00'), e('p', 'Pending', '07:00')];
    expect(missedInARow(three, 3)?.map((x) => x.id)).toEqual(['c', 'b', 'a']);
    expect(missedInARow([...three, e('z', 'Completed', '06:30')], 3)).toBeUndefined();
    expect(missedInARow(three.slice(0, 2), 3)).toBeUndefined();
    expect(repeatedMissesDraft('tse-1', '2026-12-01', missedInARow(three, 3)!, 'manager', 'Asia/Kolkata')).toMatchObject({ kind: 'escalation', escalatedTo: 'manager', level: 1, subject: 'missed-in-a-row#c', message: '3 follow-ups missed in a row (the last, a Call, due 2026-12-01 11:30).' });
  });
});

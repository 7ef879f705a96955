import { describe, expect, it } from 'vitest';
import { dueFor, jobNames, localClock, localHourOf, parseJobMessage, toJobEntry } from './jobs';

describe('job requests', () => {
  it('are due at the tenant’s local hour, in the quarter-hour that begins it', () => {
    // 06:00 IST is 00:30 UTC; 06:00 in Kathmandu (UTC+5:45) is 00:15 UTC; 06:00 in New York (EST) is 11:00 UTC.
    expect(dueFor('daily-tasks', new Date('2026-12-01T00:30:00.000Z'), 'Asia/Kolkata')).toBe(true);
    expect(dueFor('daily-tasks', new Date('2026-12-01T00:44:59.000Z'), 'Asia/Kolkata')).toBe(true);
    expect(dueFor('daily-tasks', new Date('2026-12-01T00:45:00.000Z'), 'Asia/Kolkata')).toBe(false);
    expect(dueFor('daily-tasks', new Date('2026-12-01T00:15:00.000Z'), 'Asia/Kathmandu')).toBe(true);
    expect(dueFor('daily-tasks', new Date('2026-12-01T11:00:00.000Z'), 'America/New_York')).toBe(true);
    expect(dueFor('gap-analysis', new Date('2026-12-01T15:30:00.000Z'), 'Asia/Kolkata')).toBe(true);
    expect(dueFor('gap-analysis', new Date('2026-12-01T15:15:00.000Z'), 'Asia/Kolkata')).toBe(false);
    expect(dueFor('missed-sweep', new Date('2026-12-01T15:15:00.000Z'), 'Asia/Kolkata')).toBe(true);
    expect(localClock(new Date('2026-12-01T18:29:00.000Z'), 'Asia/Kolkata')).toEqual({ hour: 23, minute: 59 });
  });

  it('are exactly the missed sweep, the two daily jobs, the reconcile pull (#13) and the scheduled reports (#16); the last two run for every tenant on every run', () => {
    expect(jobNames).toEqual(['missed-sweep', 'daily-tasks', 'gap-analysis', 'reconcile', 'scheduled-reports']);
    expect(localHourOf).toEqual({ 'missed-sweep': undefined, 'daily-tasks': 6, 'gap-analysis': 21, reconcile: undefined, 'scheduled-reports': undefined });
    for (const at of ['2026-12-01T00:00:00.000Z', '2026-12-01T07:00:00.000Z', '2026-12-01T18:30:00.000Z']) {
      for (const zone of ['Asia/Kolkata', 'Asia/Kathmandu', 'America/New_York', 'UTC']) {
        expect(dueFor('reconcile', new Date(at), zone), `${at} ${zone}`).toBe(true);
        expect(dueFor('scheduled-reports', new Date(at), zone), `${at} ${zone}`).toBe(true);
      }
    }
    const r = { job: 'reconcile', tenantId: 'demo', at: '2026-12-01T07:00:00.000Z', executionId: 'x-2' } as const;
    const body = JSON.stringify({ version: '0', id: 'i', 'detail-type': 'job.requested', source: 'crm.jobs', account: '1', time: r.at, region: 'ap-south-1', resources: [], detail: r });
    expect(parseJobMessage(body)).toEqual(r);
    expect(toJobEntry(r, 'bus')).toEqual({ Source: 'crm.jobs', DetailType: 'job.requested', Detail: JSON.stringify(r), Time: new Date(r.at), EventBusName: 'bus' });
  });

  it('travel as EventBridge events of their own source, and anything else is refused', () => {
    const r = { job: 'gap-analysis', tenantId: 'demo', at: '2026-12-01T15:30:00.000Z', executionId: 'x-1' } as const;
    const entry = toJobEntry(r, 'bus');
    expect(entry).toEqual({ Source: 'crm.jobs', DetailType: 'job.requested', Detail: JSON.stringify(r), Time: new Date(r.at), EventBusName: 'bus' });
    const body = JSON.stringify({ version: '0', id: 'i', 'detail-type': 'job.requested', source: 'crm.jobs', account: '1', time: r.at, region: 'ap-south-1', resources: [], detail: r });
    expect(parseJobMessage(body)).toEqual(r);
    expect(() => parseJobMessage('{')).toThrow(/not JSON/);
    expect(() => parseJobMessage(body.replace('crm.jobs', 'crm.core'))).toThrow(/not a job request/);
    expect(() => parseJobMessage(body.replace('gap-analysis', 'drop-tables'))).toThrow(/not a job request/);
  });
});

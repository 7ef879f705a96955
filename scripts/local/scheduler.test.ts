import { Cron } from 'croner';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { InvalidScheduleExpressionError, schedules, toCronerSchedule, type ScheduledInvocation, type ScheduleDefinition } from '../../events/schedules';
import { startLocalScheduler, type ScheduledHandler } from './scheduler';

// 2026-03-02 is a Monday.
const from = new Date('2026-03-02T00:00:00Z');
const next = (expression: string, timezone: string, n = 3) => {
  const { pattern, options } = toCronerSchedule(expression);
  const job = new Cron(pattern, { ...options, timezone, paused: true });
  const runs = job.nextRuns(n, from).map((d) => d.toISOString());
  job.stop();
  return runs;
};

describe('EventBridge Scheduler expressions, read by croner', () => {
  it.each<[string, string, string[]]>([
    ['cron(0 6 * * ? *)', 'Asia/Kolkata', ['2026-03-02T00:30:00.000Z', '2026-03-03T00:30:00.000Z', '2026-03-04T00:30:00.000Z']],
    ['cron(0 9 ? * MON-FRI *)', 'Asia/Kolkata', ['2026-03-02T03:30:00.000Z', '2026-03-03T03:30:00.000Z', '2026-03-04T03:30:00.000Z']],
    // Day-of-week 1 is Sunday in EventBridge, so 2 is Monday.
    ['cron(0 20 ? * 2 *)', 'UTC', ['2026-03-02T20:00:00.000Z', '2026-03-09T20:00:00.000Z', '2026-03-16T20:00:00.000Z']],
    ['cron(30 23 L * ? *)', 'UTC', ['2026-03-31T23:30:00.000Z', '2026-04-30T23:30:00.000Z', '2026-05-31T23:30:00.000Z']],
    ['cron(0 10 ? * 6#2 *)', 'UTC', ['2026-03-13T10:00:00.000Z', '2026-04-10T10:00:00.000Z', '2026-05-08T10:00:00.000Z']],
    ['cron(0 0 1 1 ? 2028)', 'UTC', ['2028-01-01T00:00:00.000Z']],
    // start/step: every 15 minutes from :00 (the daily jobs' schedule), every 6 hours from 02:00.
    ['cron(0/15 * * * ? *)', 'UTC', ['2026-03-02T00:15:00.000Z', '2026-03-02T00:30:00.000Z', '2026-03-02T00:45:00.000Z']],
    ['cron(5 2/6 * * ? *)', 'UTC', ['2026-03-02T02:05:00.000Z', '2026-03-02T08:05:00.000Z', '2026-03-02T14:05:00.000Z']],
    ['rate(15 minutes)', 'UTC', ['2026-03-02T00:15:00.000Z', '2026-03-02T00:30:00.000Z', '2026-03-02T00:45:00.000Z']],
    ['rate(1 day)', 'UTC', ['2026-03-03T00:00:00.000Z', '2026-03-04T00:00:00.000Z', '2026-03-05T00:00:00.000Z']],
    ['at(2026-03-05T10:00:00)', 'Asia/Kolkata', ['2026-03-05T04:30:00.000Z']],
    ['*/20 * * * *', 'UTC', ['2026-03-02T00:20:00.000Z', '2026-03-02T00:40:00.000Z', '2026-03-02T01:00:00.000Z']],
  ])('%s in %s', (expression, timezone, expected) => {
    expect(next(expression, timezone)).toEqual(expected);
  });

  it.each(['cron(0 6 * * * *)', 'cron(0 6 ? * ? *)', 'cron(0 6 * *)', 'rate(0 minutes)', 'rate(5 weeks)', 'every day', ''])('refuses %j', (expression) => {
    expect(() => toCronerSchedule(expression)).toThrow(InvalidScheduleExpressionError);
  });

  it('declares exactly the schedules of today, each readable by croner: the missed sweep, the two daily jobs, the hourly reconcile pull and the quarter-hourly scheduled reports', () => {
    expect(schedules.map((s) => [s.name, s.expression, s.timezone, s.input])).toEqual([
      ['missed-sweep', 'rate(15 minutes)', 'UTC', { job: 'missed-sweep' }],
      ['daily-tasks', 'cron(0/15 * * * ? *)', 'UTC', { job: 'daily-tasks' }],
      ['reconcile', 'rate(1 hour)', 'UTC', { job: 'reconcile' }],
      ['scheduled-reports', 'cron(0/15 * * * ? *)', 'UTC', { job: 'scheduled-reports' }],
      ['gap-analysis', 'cron(0/15 * * * ? *)', 'UTC', { job: 'gap-analysis' }],
    ]);
    for (const s of schedules) expect(() => toCronerSchedule(s.expression)).not.toThrow();
  });

  it('starts the local scheduler on every declared schedule (croner accepts each pattern), and stops it', async () => {
    const scheduler = startLocalScheduler({ loadHandler: async () => async () => undefined });
    expect(Object.keys(scheduler.nextRuns())).toEqual(['missed-sweep', 'daily-tasks', 'reconcile', 'scheduled-reports', 'gap-analysis']);
    for (const at of Object.values(scheduler.nextRuns())) expect(at).toBeInstanceOf(Date);
    await scheduler.stop();
  });
});

describe('local scheduler', () => {
  // The clock is an input: croner's timers and Date run on vitest's fake clock.
  afterEach(() => vi.useRealTimers());

  const everySecond: ScheduleDefinition = { name: 'probe', description: 'test', expression: '* * * * * *', timezone: 'Asia/Kolkata', entry: 'test:probe', input: { kind: 'probe' } };

  function probe() {
    const runs: ScheduledInvocation[] = [];
    const handler: ScheduledHandler = async (invocation) => void runs.push(invocation);
    return { runs, load: async () => handler };
  }

  it('calls the schedule handler when it is due, with the invocation AWS would send, until stopped', async () => {
    vi.useFakeTimers({ now: new Date('2026-03-02T00:00:00.250Z') });
    const target = probe();
    const scheduler = startLocalScheduler({ schedules: [everySecond], loadHandler: target.load });
    await vi.advanceTimersByTimeAsync(2_000);
    await scheduler.stop();
    await vi.advanceTimersByTimeAsync(5_000);

    expect(target.runs.map((r) => r.scheduledTime)).toEqual(['2026-03-02T00:00:01.000Z', '2026-03-02T00:00:02.000Z']);
    expect(target.runs[0]).toEqual({ schedule: 'probe', scheduledTime: '2026-03-02T00:00:01.000Z', executionId: expect.stringMatching(/^[0-9a-f-]{36}$/), input: { kind: 'probe' } });
    expect(new Set(target.runs.map((r) => r.executionId)).size).toBe(2);
    expect(scheduler.nextRuns()).toEqual({ probe: null });
  });

  it('runs a schedule on demand and reports its next run', async () => {
    const target = probe();
    const daily = { ...everySecond, name: 'daily-tasks', expression: 'cron(0 6 * * ? *)' };
    const scheduler = startLocalScheduler({ schedules: [daily], loadHandler: target.load });
    try {
      expect(scheduler.nextRuns()['daily-tasks']).toBeInstanceOf(Date);
      await scheduler.runNow('daily-tasks');
      expect(target.runs.map((r) => r.schedule)).toEqual(['daily-tasks']);
      await expect(scheduler.runNow('nope')).rejects.toThrow(/no schedule/);
    } finally {
      await scheduler.stop();
    }
  });

  it('keeps running after a failed run', async () => {
    vi.useFakeTimers({ now: new Date('2026-03-02T00:00:00.250Z') });
    let calls = 0;
    const scheduler = startLocalScheduler({
      schedules: [everySecond],
      loadHandler: async () => async () => {
        calls += 1;
        throw new Error('boom');
      },
    });
    try {
      await scheduler.runNow('probe');
      expect(calls).toBe(1);
      await vi.advanceTimersByTimeAsync(2_000);
      expect(calls).toBe(3);
    } finally {
      await scheduler.stop();
    }
  });

  it('refuses to start with an expression it cannot read', () => {
    expect(() => startLocalScheduler({ schedules: [{ ...everySecond, expression: 'cron(bad)' }] })).toThrow(InvalidScheduleExpressionError);
  });
});

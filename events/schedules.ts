/**
 * Scheduled handlers, declared once: the local scheduler (scripts/local/scheduler.ts) runs each
 * entry's handler on its expression with croner; in AWS each entry is one EventBridge Scheduler
 * schedule (expression, time zone, target Lambda) of the schedules stack (infra/stacks/schedules.ts).
 *
 * `expression` is an EventBridge Scheduler expression — `cron(min hour day-of-month month
 * day-of-week year)`, `rate(n minutes|hours|days)` or `at(yyyy-mm-ddThh:mm:ss)` — evaluated in
 * `timezone`. A plain croner pattern (5 fields, or 6 with seconds first) is accepted locally only,
 * for tests; CDK refuses it.
 *
 * The handler receives a ScheduledInvocation. In AWS the schedule's target Input is
 * `{"schedule": <name>, "scheduledTime": "<aws.scheduler.scheduled-time>",
 *   "executionId": "<aws.scheduler.execution-id>", "input": <input>}` (Scheduler substitutes the
 * context attributes), so both worlds hand the handler the same object.
 */
export interface ScheduleDefinition {
  /** Stable id: schedule name, construct id, local job name. */
  name: string;
  description: string;
  expression: string;
  /** IANA zone the expression is read in (the tenant default is Asia/Kolkata). */
  timezone: string;
  /** Module exporting `handler(invocation: ScheduledInvocation)`, relative to the repository root. */
  entry: string;
  input?: Record<string, unknown>;
}

export interface ScheduledInvocation {
  schedule: string;
  /** ISO-8601 UTC: when the run was due (not when it started). */
  scheduledTime: string;
  executionId: string;
  input: Record<string, unknown>;
}

const DISPATCH = 'functions/jobs/dispatch.ts';

/** Every job fans out per tenant through the jobs queue (events/jobs.ts); the daily ones pick the tenants at their local hour. */
export const schedules: readonly ScheduleDefinition[] = [
  { name: 'missed-sweep', description: 'Marks overdue Pending follow-ups Missed, raises and escalates alerts (DESIGN §3).', expression: 'rate(15 minutes)', timezone: 'UTC', entry: DISPATCH, input: { job: 'missed-sweep' } },
  { name: 'daily-tasks', description: 'At 06:00 tenant time: the day’s tasks of every staff member and the target-gap alerts.', expression: 'cron(0/15 * * * ? *)', timezone: 'UTC', entry: DISPATCH, input: { job: 'daily-tasks' } },
  { name: 'reconcile', description: 'Every hour: connections that can be polled (QuickBooks CDC, Zoho Books) pull what changed since their last pull, so a missed webhook never means missed data (DESIGN §9).', expression: 'rate(1 hour)', timezone: 'UTC', entry: DISPATCH, input: { job: 'reconcile' } },
  { name: 'scheduled-reports', description: 'Every quarter hour: saved reports whose schedule is due are run for each recipient over their own scope and emailed, CSV attached (#16).', expression: 'cron(0/15 * * * ? *)', timezone: 'UTC', entry: DISPATCH, input: { job: 'scheduled-reports' } },
  { name: 'gap-analysis', description: 'At 21:00 tenant time: gap analysis, conversion and product-mix alerts, the nightly email to managers.', expression: 'cron(0/15 * * * ? *)', timezone: 'UTC', entry: DISPATCH, input: { job: 'gap-analysis' } },
];

/** EventBridge Scheduler's expression forms, as croner options. */
export interface CronerSchedule {
  pattern: string;
  options: { mode?: '7-part'; alternativeWeekdays?: boolean; interval?: number };
}

const RATE_UNITS: Record<string, number> = { minute: 60, minutes: 60, hour: 3600, hours: 3600, day: 86_400, days: 86_400 };

export class InvalidScheduleExpressionError extends Error {
  override readonly name = 'InvalidScheduleExpressionError';
}

export function toCronerSchedule(expression: string): CronerSchedule {
  const cron = /^cron\((.+)\)$/.exec(expression.trim());
  if (cron) {
    const fields = cron[1]!.trim().split(/\s+/);
    if (fields.length !== 6) throw new InvalidScheduleExpressionError(`cron() takes 6 fields (minutes hours day-of-month month day-of-week year): ${expression}`);
    const [min, hour, dom, month, dow, year] = fields as [string, string, string, string, string, string];
    // EventBridge demands '?' in day-of-month or day-of-week; croner reads '?' as "now", so it becomes '*'.
    if ((dom === '?') === (dow === '?')) throw new InvalidScheduleExpressionError(`cron() needs '?' in exactly one of day-of-month and day-of-week: ${expression}`);
    const any = (f: string) => (f === '?' ? '*' : f);
    // EventBridge's `start/step` ("0/15": from 0, every 15) is croner's `start-max/step` (croner
    // refuses a bare number before the slash).
    const stepped = (f: string, max: number) => f.replace(/(^|,)(\d+)\/(\d+)/g, (_m, sep: string, start: string, step: string) => `${sep}${start}-${max}/${step}`);
    // Seconds first; day-of-week numbered 1 (SUN) to 7 (SAT) as in EventBridge (croner's Quartz mode).
    return {
      pattern: ['0', stepped(min, 59), stepped(hour, 23), stepped(any(dom), 31), stepped(month, 12), stepped(any(dow), 7), stepped(year, 2199)].join(' '),
      options: { mode: '7-part', alternativeWeekdays: true },
    };
  }
  const rate = /^rate\((\d+)\s+([a-z]+)\)$/.exec(expression.trim());
  if (rate) {
    const seconds = RATE_UNITS[rate[2]!];
    const n = Number(rate[1]);
    if (!seconds || n < 1) throw new InvalidScheduleExpressionError(`rate() takes a positive number of minutes, hours or days: ${expression}`);
    return { pattern: '* * * * * *', options: { interval: n * seconds } };
  }
  const at = /^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$/.exec(expression.trim());
  if (at) return { pattern: at[1]!, options: {} };
  const fields = expression.trim().split(/\s+/);
  if (fields.length === 5 || fields.length === 6) return { pattern: expression.trim(), options: {} };
  throw new InvalidScheduleExpressionError(`not a schedule expression: ${expression}`);
}

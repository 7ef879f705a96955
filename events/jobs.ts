import { z } from 'zod';
import { Slug } from '../domain/access/roles';
import type { BusEntry } from './bus';

/**
 * Scheduled jobs (issue #10): each schedule's run (events/schedules.ts) fans out per tenant as one
 * `job.requested` entry per tenant on the bus, with its own source so no domain-event consumer
 * sees it; the `jobs` rule (events/rules.ts) queues them for the jobs consumer, one tenant per
 * message. A run is named by its job, tenant and instant: running it twice creates nothing twice.
 */
export const JOB_SOURCE = 'crm.jobs';
export const JOB_REQUESTED = 'job.requested';

export const jobNames = ['missed-sweep', 'daily-tasks', 'gap-analysis', 'reconcile', 'scheduled-reports'] as const;
export const JobName = z.enum(jobNames);
export type JobName = z.infer<typeof JobName>;

export const JobRequest = z.strictObject({
  job: JobName,
  tenantId: Slug,
  /** The instant the run stands for (the schedule's due time, or `--at`). */
  at: z.iso.datetime(),
  /** The schedule run (or command) that asked: for the logs. */
  executionId: z.string().min(1).max(200),
});
export type JobRequest = z.infer<typeof JobRequest>;

export function toJobEntry(r: JobRequest, eventBusName?: string): BusEntry {
  return { Source: JOB_SOURCE, DetailType: JOB_REQUESTED, Detail: JSON.stringify(r), Time: new Date(r.at), ...(eventBusName && { EventBusName: eventBusName }) };
}

export class MalformedJobMessageError extends Error {
  override readonly name = 'MalformedJobMessageError';
}

/** An SQS body of the jobs queue (an EventBridge event) as a job request. */
export function parseJobMessage(body: string): JobRequest {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MalformedJobMessageError('message body is not JSON');
  }
  const envelope = z.object({ source: z.literal(JOB_SOURCE), 'detail-type': z.literal(JOB_REQUESTED), detail: JobRequest }).safeParse(json);
  if (!envelope.success) throw new MalformedJobMessageError(`not a job request: ${z.prettifyError(envelope.error)}`);
  return envelope.data.detail;
}

/** Local wall-clock hour and minute of an instant in a time zone. */
export function localClock(instant: Date, timeZone: string): { hour: number; minute: number } {
  const parts = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(instant);
  const n = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return { hour: n('hour'), minute: n('minute') };
}

/**
 * Whether a tenant's run of `job` is due at a schedule's instant. The sweep runs for every tenant
 * every time; the daily jobs run once a day at a local hour (daily tasks 06:00, gap analysis
 * 21:00): the schedule fires every 15 minutes (every zone in use is a whole quarter-hour from UTC)
 * and a tenant is due in the quarter-hour that begins its local hour.
 */
export const localHourOf: Record<JobName, number | undefined> = { 'missed-sweep': undefined, 'daily-tasks': 6, 'gap-analysis': 21, reconcile: undefined, 'scheduled-reports': undefined };

export function dueFor(job: JobName, instant: Date, timeZone: string): boolean {
  const hour = localHourOf[job];
  if (hour === undefined) return true;
  const clock = localClock(instant, timeZone);
  return clock.hour === hour && clock.minute < 15;
}

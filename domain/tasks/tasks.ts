import type { CrmEvent } from '../events/event';
import type { Stage } from '../pipeline/stages';
import type { ActivityMetric } from '../targets/targets';

/**
 * A staff member's daily tasks (spec §13, DESIGN §3): today's follow-ups, the overdue ones, the
 * activity targets still to do ("calls: 42 of 60 to go"), and each open deal with no next step.
 * Derived, never written: a task's status is its follow-up's status or its counter, so completing
 * the event completes the task the moment the event is saved, and no route can complete a task
 * or move a counter by hand.
 */
export type TaskKind = 'event' | 'overdue' | 'target' | 'no_next_step';

export interface Task {
  /** Stable for the day: `{date}:{kind}:{event, metric or opportunity}`. */
  id: string;
  kind: TaskKind;
  status: 'pending' | 'completed';
  text: string;
  eventId?: string;
  opportunityId?: string;
  scheduledAt?: string;
  metric?: ActivityMetric;
  target?: number;
  achieved?: number;
  remaining?: number;
}

export interface TaskInputs {
  /** The day, in the tenant's time zone. */
  date: string;
  timeZone: string;
  /** Follow-ups assigned to the staff member scheduled within the day, any status. */
  today: readonly CrmEvent[];
  /** Follow-ups from before the day still to do: Pending, or Missed on a deal still open. */
  overdue: readonly CrmEvent[];
  /** The day's activity targets and what the counters say. */
  targets: readonly { metric: ActivityMetric; target: number; achieved: number }[];
  /** Open deals of theirs with no pending follow-up. */
  noNextStep: readonly { opportunityId: string; stage: Stage; since: string }[];
}

/** Event types in the words people use. */
export const eventWords: Record<string, string> = {
  Call: 'Call',
  Message: 'Message',
  DemoScheduled: 'Demo',
  DemoCompleted: 'Demo (log it)',
  QuoteShared: 'Quote',
  VisitScheduled: 'Visit',
  VisitCompleted: 'Visit (log it)',
  Negotiation: 'Negotiation',
};

/** `2027-03-10 10:30`: an instant as a day and time in the tenant's time zone. */
export const localDateTime = (iso: string, timeZone: string) => `${day(iso, timeZone)} ${clock(iso, timeZone)}`;

const clock = (iso: string, timeZone: string) => new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
const day = (iso: string, timeZone: string) => new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));

const byTime = (a: CrmEvent, b: CrmEvent) => (a.scheduledAt < b.scheduledAt ? -1 : a.scheduledAt > b.scheduledAt ? 1 : a.id < b.id ? -1 : 1);

export function dailyTasks(i: TaskInputs): Task[] {
  const events: Task[] = [...i.today].sort(byTime).map((e) => ({
    id: `${i.date}:event:${e.id}`,
    kind: e.status === 'Missed' ? 'overdue' : 'event',
    status: e.status === 'Completed' ? 'completed' : 'pending',
    text: `${eventWords[e.type] ?? e.type} at ${clock(e.scheduledAt, i.timeZone)}${e.status === 'Missed' ? ' (missed)' : ''}`,
    eventId: e.id,
    opportunityId: e.opportunityId,
    scheduledAt: e.scheduledAt,
  }));
  const overdue: Task[] = [...i.overdue].sort(byTime).map((e) => ({
    id: `${i.date}:overdue:${e.id}`,
    kind: 'overdue',
    status: e.status === 'Completed' ? 'completed' : 'pending',
    text: `${eventWords[e.type] ?? e.type} overdue since ${day(e.scheduledAt, i.timeZone)} ${clock(e.scheduledAt, i.timeZone)}${e.status === 'Missed' ? ' (missed)' : ''}`,
    eventId: e.id,
    opportunityId: e.opportunityId,
    scheduledAt: e.scheduledAt,
  }));
  const targets: Task[] = i.targets
    .filter((t) => t.target > 0)
    .map((t) => {
      const remaining = Math.max(0, t.target - t.achieved);
      return {
        id: `${i.date}:target:${t.metric}`,
        kind: 'target',
        status: remaining === 0 ? 'completed' : 'pending',
        text: remaining === 0 ? `${t.metric}: ${t.achieved} of ${t.target} done` : `${t.metric}: ${remaining} of ${t.target} to go`,
        metric: t.metric,
        target: t.target,
        achieved: t.achieved,
        remaining,
      };
    });
  const nextSteps: Task[] = [...i.noNextStep]
    .sort((a, b) => (a.since < b.since ? -1 : a.since > b.since ? 1 : a.opportunityId < b.opportunityId ? -1 : 1))
    .map((o) => ({
      id: `${i.date}:no_next_step:${o.opportunityId}`,
      kind: 'no_next_step',
      status: 'pending',
      text: `No next step on a deal at ${o.stage} since ${day(o.since, i.timeZone)}: schedule a follow-up`,
      opportunityId: o.opportunityId,
    }));
  return [...overdue, ...events, ...targets, ...nextSteps];
}

export const taskCounts = (tasks: readonly Task[]) => ({ pending: tasks.filter((t) => t.status === 'pending').length, completed: tasks.filter((t) => t.status === 'completed').length });

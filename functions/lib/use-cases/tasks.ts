import { authorize, inScope, mayListFor } from '../../../domain/access/policy';
import { notFound } from '../../../domain/errors';
import type { CrmEvent, EventStatus } from '../../../domain/events/event';
import type { Staff } from '../../../domain/staff/staff';
import { dailyTasks, taskCounts, type Task } from '../../../domain/tasks/tasks';
import { noAchievement, periodTargets } from '../../../domain/targets/achievement';
import { addDays, localDay, periodOf, type Period } from '../../../domain/targets/periods';
import { activityMetrics } from '../../../domain/targets/targets';
import { allInOrder, tenantConfig, type UseCaseContext } from './context';
import type { TenantConfig } from './ports';

/**
 * GET /v1/tasks?date=&staffId= (DESIGN §6 "tasks"): one staff member's tasks for a day, built from
 * what is stored at the moment of asking (domain/tasks/tasks.ts), so a follow-up completed a second
 * ago shows as completed, and a counter that moved shows the targets left. Scope: the staff member
 * must be someone the caller may list (404 otherwise), and a follow-up on a deal the caller cannot
 * open is left out, as in GET /v1/events.
 */
export interface TaskList {
  date: string;
  staffId: string;
  asOf: string;
  tasks: Task[];
  counts: { pending: number; completed: number };
}

/** Missed follow-ups stay on the list this many days while their deal is open. */
const OVERDUE_DAYS = 7;
const before = (iso: string) => new Date(Date.parse(iso) - 1).toISOString();

async function eventsOf(ctx: UseCaseContext, staffId: string, status: EventStatus, from?: string, to?: string): Promise<CrmEvent[]> {
  const out: CrmEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await ctx.services.pipeline.listEvents(ctx.actor.tenantId, { assignee: staffId, status, limit: 100, ...(from && { from }), ...(to && { to }), ...(cursor && { cursor }) });
    out.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return out;
}

/** The day's tasks of `staff` (the caller's scope applied to the follow-ups listed). */
export async function buildTasks(ctx: UseCaseContext, config: TenantConfig, staff: Staff, day: Period): Promise<Task[]> {
  const tenantId = ctx.actor.tenantId;
  const staffId = staff.staffId;
  const last = before(day.end);
  const [pending, completed, missed, overduePending, recentMisses, own, figures, health] = await Promise.all([
    eventsOf(ctx, staffId, 'Pending', day.start, last),
    eventsOf(ctx, staffId, 'Completed', day.start, last),
    eventsOf(ctx, staffId, 'Missed', day.start, last),
    eventsOf(ctx, staffId, 'Pending', undefined, before(day.start)),
    eventsOf(ctx, staffId, 'Missed', periodOf('day', addDays(day.from, -OVERDUE_DAYS), config.settings).start, before(day.start)),
    ctx.services.tenants.staffTargets(tenantId, [staffId]),
    ctx.services.insights.figures(tenantId, [staffId], { start: day.start, end: day.end }),
    ctx.services.insights.pipelineHealth(tenantId, [staffId], { staleBefore: '2000-01-01T00:00:00.000Z', limit: 100 }),
  ]);
  const viewer = await ctx.viewer();
  const listed = [...pending, ...completed, ...missed, ...overduePending, ...recentMisses];
  const opportunities = await ctx.services.pipeline.getOpportunities(tenantId, [...new Set([...listed.map((e) => e.opportunityId), ...health.noNextStep.deals.map((d) => d.opportunityId)])]);
  const visible = (opportunityId: string) => {
    const o = opportunities.get(opportunityId);
    return o !== undefined && inScope(viewer, o);
  };
  const open = (opportunityId: string) => opportunities.get(opportunityId)?.stage !== 'Closed';
  const targets = periodTargets(day, { role: staff.role, tenant: config.targets.value, own: own.get(staffId)?.value ?? [] });
  const achieved = figures.get(staffId)?.achievement ?? noAchievement;
  return dailyTasks({
    date: day.from,
    timeZone: config.settings.timeZone,
    today: [...pending, ...completed, ...missed].filter((e) => visible(e.opportunityId)),
    overdue: [...overduePending.filter((e) => open(e.opportunityId)), ...recentMisses.filter((e) => open(e.opportunityId))].filter((e) => visible(e.opportunityId)),
    targets: activityMetrics.flatMap((metric) => (targets?.activity[metric] !== undefined ? [{ metric, target: targets.activity[metric]!, achieved: achieved[metric] }] : [])),
    noNextStep: health.noNextStep.deals.filter((d) => visible(d.opportunityId)).map((d) => ({ opportunityId: d.opportunityId, stage: d.stage, since: d.since })),
  });
}

export async function tasksFor(ctx: UseCaseContext, q: { date?: string | undefined; staffId?: string | undefined }): Promise<TaskList> {
  authorize(ctx.actor, 'task:read');
  const staffId = q.staffId ?? ctx.actor.staffId;
  const [config, viewer, staff] = await allInOrder([tenantConfig(ctx), ctx.viewer(), ctx.services.staff.get(ctx.actor.tenantId, staffId)] as const);
  if (!staff || !mayListFor(viewer, staffId)) throw notFound('staff', staffId);
  const date = q.date ?? localDay(ctx.now, config.settings.timeZone);
  const tasks = await buildTasks(ctx, config, staff, periodOf('day', date, config.settings));
  return { date, staffId, asOf: ctx.now.toISOString(), tasks, counts: taskCounts(tasks) };
}

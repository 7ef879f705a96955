import { z } from 'zod';
import { Slug } from '../../../domain/access/roles';
import { IsoDate } from '../../../domain/shared/schemas';
import { activityMetrics } from '../../../domain/targets/targets';
import { httpRoute } from '../../lib/http/route';
import { tasksFor } from '../../lib/use-cases/tasks';

const TasksQuery = z.strictObject({ date: IsoDate.optional(), staffId: Slug.optional() });

const Task = z
  .object({
    id: z.string(),
    kind: z.enum(['event', 'overdue', 'target', 'no_next_step']),
    status: z.enum(['pending', 'completed']),
    text: z.string(),
    eventId: z.string().optional(),
    opportunityId: z.string().optional(),
    scheduledAt: z.string().optional(),
    metric: z.enum(activityMetrics).optional(),
    target: z.number().optional(),
    achieved: z.number().optional(),
    remaining: z.number().optional(),
  })
  .meta({ id: 'Task' });

/** GET /v1/tasks?date=2026-12-01&staffId= */
export const handler = httpRoute(
  {
    summary: 'A staff member’s tasks for a day',
    description:
      'Overdue follow-ups, the day’s follow-ups in time order, the activity targets still to do ("calls: 42 of 60 to go") and open deals with no next step. Built from the events and counters as they are now: completing a follow-up completes its task, a counter that moves updates its target task; no route writes a task. Default: today (tenant time zone), yourself.',
    query: TasksQuery,
    response: { status: 200, schema: z.object({ date: z.string(), staffId: z.string(), asOf: z.string(), tasks: z.array(Task), counts: z.object({ pending: z.number().int(), completed: z.number().int() }) }) },
  },
  async ({ ctx, query }) => ({ body: await tasksFor(ctx, query) }),
);

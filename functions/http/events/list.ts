import { z } from 'zod';
import { Slug } from '../../../domain/access/roles';
import { EventStatus } from '../../../domain/events/event';
import { pageBody, PageQuery } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { contextOf } from '../../lib/use-cases/context';
import { listEvents } from '../../lib/use-cases/events';

/** GET /v1/events?assignee=&status=&from=&to= (scheduled time window, ISO-8601 UTC). */
const ListQuery = PageQuery.extend({
  assignee: Slug.optional(),
  status: EventStatus.default('Pending'),
  from: z.iso.datetime().optional(),
  to: z.iso.datetime().optional(),
});

export const handler = httpRoute({ query: ListQuery }, async (input) => {
  const q = input.query;
  const normalise = (t?: string) => (t ? new Date(t).toISOString() : undefined);
  const page = await listEvents(contextOf(input, getServices()), { ...q, ...(q.from && { from: normalise(q.from) }), ...(q.to && { to: normalise(q.to) }) });
  return { body: pageBody(page) };
});

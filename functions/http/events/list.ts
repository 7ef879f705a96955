import { z } from 'zod';
import { Slug } from '../../../domain/access/roles';
import { CrmEvent, EventStatus } from '../../../domain/events/event';
import { IsoDateTime } from '../../../domain/shared/schemas';
import { PageOf, pageBody, PageQuery } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { listEvents } from '../../lib/use-cases/events';

/** A window of scheduled times, both ends inclusive; `from` after `to` is refused rather than read as empty. */
const ListQuery = PageQuery.extend({
  assignee: Slug.optional(),
  status: EventStatus.default('Pending'),
  from: IsoDateTime.optional(),
  to: IsoDateTime.optional(),
}).refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, { path: ['to'], message: 'must not be before from', when: (ctx) => ctx.issues.length === 0 });

/** GET /v1/events?assignee=&status=&from=&to= */
export const handler = httpRoute(
  {
    summary: 'List follow-up events',
    description: 'By status (default Pending) and scheduled time; a seller sees their own, a manager their team’s (`assignee`), tenant-wide roles anyone’s.',
    query: ListQuery,
    response: { status: 200, schema: PageOf(CrmEvent) },
  },
  async ({ ctx, query }) => ({ body: pageBody(await listEvents(ctx, query)) }),
);

import { CrmEvent, EventInput } from '../../../domain/events/event';
import { OpportunityIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { addEvent, getEvent } from '../../lib/use-cases/events';

/** POST /v1/opportunities/{id}/events */
export const handler = httpRoute(
  {
    summary: 'Schedule or log a follow-up event',
    description:
      'Any type at any stage. Logged as Completed, a Demo/Visit Completed event needs the eight feedback fields; a Demo/Visit Scheduled event is created Pending and completed later. The assignee must be on the opportunity.',
    params: OpportunityIdParams,
    body: EventInput,
    idempotent: true,
    onReplay: (ctx, event) => getEvent(ctx, event.id),
    response: { status: 201, schema: CrmEvent },
  },
  async ({ ctx, params, body }) => {
    const event = await addEvent(ctx, params.id, body);
    return { body: event, version: event.version, headers: { location: `/v1/events/${event.id}` } };
  },
);

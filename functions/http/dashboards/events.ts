import { httpRoute } from '../../lib/http/route';
import { eventsDashboard } from '../../lib/use-cases/dashboards';
import { EventsDashboard, EventsQuery } from './schemas';

/** GET /v1/dashboards/events?period=&date=&staffId= */
export const handler = httpRoute(
  {
    summary: 'The follow-up dashboard',
    description:
      'Demos and visits scheduled against completed, calls, messages, quotes and negotiations, per staff member and in total: for `staffId` and their reports, or everyone the caller sees.',
    query: EventsQuery,
    response: { status: 200, schema: EventsDashboard },
  },
  async ({ ctx, query }) => ({ body: await eventsDashboard(ctx, query) }),
);

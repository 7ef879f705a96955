import { z } from 'zod';
import { Alert } from '../../../domain/alerts/alert';
import { httpRoute } from '../../lib/http/route';
import { listAlerts } from '../../lib/use-cases/alerts';
import { AlertListQuery } from './schemas';

/** GET /v1/alerts?status=open&staffId= */
export const handler = httpRoute(
  {
    summary: 'List alerts',
    description:
      'Newest first, by status (default open): missed follow-ups, target gaps (below 70 % of the target due by now), low conversion (below the seed assumption by the tenant margin, from a minimum sample), product-mix over-dependence, and escalations (unresolved past the deadline, or N follow-ups missed in a row; `escalatedTo` says whom it went to). A seller sees alerts about themselves, a manager about their team, tenant-wide roles all.',
    query: AlertListQuery,
    response: { status: 200, schema: z.object({ alerts: z.array(Alert), nextCursor: z.string().optional() }) },
  },
  async ({ ctx, query }) => {
    const page = await listAlerts(ctx, query);
    return { body: { alerts: page.items, ...(page.cursor && { nextCursor: page.cursor }) } };
  },
);

import { httpRoute } from '../../lib/http/route';
import { listReports } from '../../lib/use-cases/reports';
import { Catalogue } from './schemas';

/** GET /v1/reports */
export const handler = httpRoute(
  {
    summary: 'The catalogue of prebuilt reports',
    description:
      'Every prebuilt report, defined as data: its id, title, area, the definition of its numbers (description), its source, the period it opens with, its chart, and what a run’s `groupBy` and `filters` may name. Anyone who may run reports (all roles but platform admins).',
    response: { status: 200, schema: Catalogue },
  },
  async ({ ctx }) => ({ body: { reports: await listReports(ctx) } }),
);

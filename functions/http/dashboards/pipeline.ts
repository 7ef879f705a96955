import { StaffIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { pipelineFor } from '../../lib/use-cases/dashboards';
import { PipelineQuery, PipelineView } from './schemas';

/** GET /v1/pipeline/{staffId}?week=2026-W48 */
export const handler = httpRoute(
  {
    summary: 'The pipeline value engine',
    description:
      'Required pipeline at each stage the role plans = the weekly revenue target in force that week × the stage multiplier; actual = the open pipeline now at each stage, and at Closed the revenue credited that week; coverage and shortfall. For a manager, also the team’s roll-up.',
    params: StaffIdParams,
    query: PipelineQuery,
    response: { status: 200, schema: PipelineView },
  },
  async ({ ctx, params, query }) => ({ body: await pipelineFor(ctx, params.staffId, query.week) }),
);

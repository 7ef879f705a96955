import { StaffIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { gapAnalysis } from '../../lib/use-cases/gap-analysis';
import { GapQuery, GapReport } from './schemas';

/** GET /v1/gap-analysis/{staffId}?week=2026-W48 */
export const handler = httpRoute(
  {
    summary: 'Gap analysis: why a week falls short',
    description:
      'Root causes for the week (default: this week), each with a message and the figures behind it: lead_generation (leads at the first planned stage, open at the week’s end plus those that moved on during it, cover less than the tenant’s share — default 80 % — of the required pipeline there), poor_filtering (Lead → Qualified, or Potential → Demo for managers, below the seed assumption by more than the tenant margin, from at least the minimum leads), conversion (Demo → Closed below the seed chain’s 24 % by more than the margin, from at least the minimum demos). Too few leads is reported alone. For a manager, each member and the team roll-up.',
    params: StaffIdParams,
    query: GapQuery,
    response: { status: 200, schema: GapReport },
  },
  async ({ ctx, params, query }) => ({ body: await gapAnalysis(ctx, params.staffId, query.week) }),
);

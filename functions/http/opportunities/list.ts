import { Slug } from '../../../domain/access/roles';
import { Opportunity } from '../../../domain/pipeline/opportunity';
import { Stage } from '../../../domain/pipeline/stages';
import { PageOf, pageBody, PageQuery } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { listOpportunities } from '../../lib/use-cases/opportunities';

const ListQuery = PageQuery.extend({ stage: Stage.optional(), assignee: Slug.optional() });

/** GET /v1/opportunities?stage=&assignee= */
export const handler = httpRoute(
  {
    summary: 'List opportunities',
    description: 'A seller lists what they are on, a manager their team’s (`assignee`), a partner its company’s, tenant-wide roles everyone’s.',
    query: ListQuery,
    response: { status: 200, schema: PageOf(Opportunity) },
  },
  async ({ ctx, query }) => ({ body: pageBody(await listOpportunities(ctx, query)) }),
);

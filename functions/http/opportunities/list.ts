import { z } from 'zod';
import { Slug } from '../../../domain/access/roles';
import { Stage } from '../../../domain/pipeline/stages';
import { pageBody, PageQuery } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { contextOf } from '../../lib/use-cases/context';
import { listOpportunities } from '../../lib/use-cases/opportunities';

/** GET /v1/opportunities?stage=&assignee= */
const ListQuery = PageQuery.extend({ stage: Stage.optional(), assignee: Slug.optional() });

export const handler = httpRoute({ query: ListQuery }, async (input) => ({
  body: pageBody(await listOpportunities(contextOf(input, getServices()), input.query)),
}));
export type ListQuery = z.infer<typeof ListQuery>;

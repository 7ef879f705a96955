import { PageOf, pageBody, PageQuery } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { listExports } from '../../lib/use-cases/exports';
import { Export } from './schemas';

/** GET /v1/exports */
export const handler = httpRoute(
  {
    summary: 'List exports',
    description: 'Newest first: your own exports; a tenant admin sees every export of the tenant.',
    query: PageQuery,
    response: { status: 200, schema: PageOf(Export) },
  },
  async ({ ctx, query }) => ({ body: pageBody(await listExports(ctx, query)) }),
);

import { PageOf, pageBody, PageQuery } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { listImports } from '../../lib/use-cases/imports';
import { Import } from './schemas';

/** GET /v1/imports */
export const handler = httpRoute(
  {
    summary: 'List imports',
    description: 'Newest first: your own imports; a tenant admin sees every import of the tenant.',
    query: PageQuery,
    response: { status: 200, schema: PageOf(Import) },
  },
  async ({ ctx, query }) => ({ body: pageBody(await listImports(ctx, query)) }),
);

import { httpRoute } from '../../lib/http/route';
import { PageOf, pageBody, PageQuery } from '../../lib/http/params';
import { listConnections } from '../../lib/use-cases/integrations';
import { ConnectionView } from './schemas';

/** GET /v1/integrations */
export const handler = httpRoute(
  { summary: 'List connections', description: 'tenant_admin. Every connection of the tenant, with its hook URL; secrets are never shown, only which are set (`secretsSet`).', query: PageQuery, response: { status: 200, schema: PageOf(ConnectionView) } },
  async ({ ctx, query }) => ({ body: pageBody(await listConnections(ctx, query)) }),
);

import { httpRoute } from '../../lib/http/route';
import { PageOf, pageBody, PageQuery } from '../../lib/http/params';
import { listWebhooks } from '../../lib/use-cases/webhooks';
import { Webhook } from './schemas';

/** GET /v1/webhooks */
export const handler = httpRoute(
  { summary: 'List webhooks', description: 'tenant_admin. Every webhook of the tenant, oldest first; never a secret.', query: PageQuery, response: { status: 200, schema: PageOf(Webhook) } },
  async ({ ctx, query }) => ({ body: pageBody(await listWebhooks(ctx, query)) }),
);

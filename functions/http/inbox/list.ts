import { PageOf, PageQuery, pageBody } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { listInbox } from '../../lib/use-cases/inbound-email';
import { InboxMail } from './schemas';

/** GET /v1/inbox */
export const handler = httpRoute(
  {
    summary: 'The unassigned inbox',
    description:
      'Email that arrived for the tenant (at its inbox address `inbox+{tenant}@{reply domain}`, or a thread address whose client is gone) and matched no thread — neither by In-Reply-To/References nor by the sender’s email — newest first. Tenant admins and managers only; attach one to a client with POST /v1/inbox/{id}/attach.',
    query: PageQuery,
    response: { status: 200, schema: PageOf(InboxMail) },
  },
  async ({ ctx, query }) => ({ body: pageBody(await listInbox(ctx, query)) }),
);

import { AuditEntry } from '../../../domain/audit/audit';
import { ClientIdParams, PageOf, pageBody, PageQuery } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { clientAudit } from '../../lib/use-cases/clients';

/** GET /v1/clients/{id}/audit */
export const handler = httpRoute(
  {
    summary: 'Audit trail of a client',
    description: 'Every change to the client, its opportunities and their events, newest first — of the opportunities the caller may see.',
    params: ClientIdParams,
    query: PageQuery,
    response: { status: 200, schema: PageOf(AuditEntry) },
  },
  async ({ ctx, params, query }) => ({ body: pageBody(await clientAudit(ctx, params.id, query)) }),
);

import { AuditEntry } from '../../../domain/audit/audit';
import { OpportunityIdParams, PageOf, pageBody, PageQuery } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { opportunityAuditTrail } from '../../lib/use-cases/opportunities';

/** GET /v1/opportunities/{id}/audit */
export const handler = httpRoute(
  {
    summary: 'Audit trail of an opportunity',
    description: 'Every change to the opportunity and its events, newest first.',
    params: OpportunityIdParams,
    query: PageQuery,
    response: { status: 200, schema: PageOf(AuditEntry) },
  },
  async ({ ctx, params, query }) => ({ body: pageBody(await opportunityAuditTrail(ctx, params.id, query)) }),
);

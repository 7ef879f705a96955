import { httpRoute } from '../../lib/http/route';
import { requestExport, ExportRequest } from '../../lib/use-cases/exports';
import { Export } from './schemas';

/** POST /v1/exports */
export const handler = httpRoute(
  {
    summary: 'Create an export',
    description:
      'Clients, opportunities or events you may read, as CSV, JSON or XML, streamed to a file in the background. Filters: clients by `city`, `pincode`, `from`/`to` (created); opportunities by `stage`, `productId`, `assignedTo`, `outcome` (open, Won, Lost), `from`/`to` (created); events by `status`, `type`, `assignedTo`, `from`/`to` (scheduled). 202 with the export; GET it for its status and download URL.',
    body: ExportRequest,
    idempotent: true,
    response: { status: 202, schema: Export },
  },
  async ({ ctx, body }) => {
    const job = await requestExport(ctx, body);
    return { body: job, headers: { location: `/v1/exports/${job.id}` } };
  },
);

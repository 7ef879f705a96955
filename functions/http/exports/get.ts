import { httpRoute } from '../../lib/http/route';
import { getExport } from '../../lib/use-cases/exports';
import { Export, ExportIdParams } from './schemas';

/** GET /v1/exports/{id} */
export const handler = httpRoute(
  {
    summary: 'Get an export',
    description: 'Status, row count and, once completed, a presigned download URL that expires in 15 minutes. Your own exports; a tenant admin sees every export of the tenant.',
    params: ExportIdParams,
    response: { status: 200, schema: Export },
  },
  async ({ ctx, params }) => ({ body: await getExport(ctx, params.id) }),
);

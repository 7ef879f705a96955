import { httpRoute } from '../../lib/http/route';
import { getImport } from '../../lib/use-cases/imports';
import { Import, ImportIdParams } from './schemas';

/** GET /v1/imports/{id} */
export const handler = httpRoute(
  {
    summary: 'Get an import',
    description: 'Status and counts; once completed with failed rows, `errorFileUrl` downloads them with their reasons. Your own imports; a tenant admin sees every import of the tenant.',
    params: ImportIdParams,
    response: { status: 200, schema: Import },
  },
  async ({ ctx, params }) => ({ body: await getImport(ctx, params.id) }),
);

import { httpRoute } from '../../lib/http/route';
import { startImport } from '../../lib/use-cases/imports';
import { Import, ImportIdParams } from './schemas';

/** POST /v1/imports/{id}/start */
export const handler = httpRoute(
  {
    summary: 'Start an uploaded import',
    description:
      'Queues the import: the file is read through first (a file that cannot be read fails the import before any row is applied), then applied in chunks of 5,000 rows. 202 with the import; safe to repeat (a started import is answered as it is, a stalled one has its step queued again). 409 `upload_missing` before the file is uploaded.',
    params: ImportIdParams,
    response: { status: 202, schema: Import },
  },
  async ({ ctx, params }) => ({ body: await startImport(ctx, params.id) }),
);

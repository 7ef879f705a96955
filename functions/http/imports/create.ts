import { z } from 'zod';
import { ImportRequest } from '../../../domain/imports/import';
import { httpRoute } from '../../lib/http/route';
import { requestImport } from '../../lib/use-cases/imports';
import { Import } from './schemas';

const CreatedImport = Import.extend({
  /** PUT the file here (exactly `size` bytes) within 15 minutes, then POST /v1/imports/{id}/start. */
  uploadUrl: z.string(),
  uploadExpiresAt: z.string(),
}).meta({ id: 'CreatedImport' });

/** POST /v1/imports */
export const handler = httpRoute(
  {
    summary: 'Create an import',
    description:
      'Clients, opportunities or events from a CSV (RFC 4180; `,` `;` or tab, detected from the header), JSON (an array or NDJSON) or XML file (records are the children of the root; no DTD). Every row goes through the same rules as the API, as the caller. `mode: upsert` updates the client found by `matchOn` (default mobile, email, gstin), or the open opportunity for the row\'s client and product. Rows name their client by `clientId`, `client.mobile`, `client.email`, `client.gstin` or `client.externalRefs.<system>`, a product by id or name, staff by id or email. `mapping` renames the file\'s columns to fields (`null` ignores one). `dryRun` checks everything and writes nothing. Answers the upload URL; the import runs once started.',
    body: ImportRequest,
    idempotent: true,
    response: { status: 201, schema: CreatedImport },
  },
  async ({ ctx, body }) => {
    const { job, uploadUrl, uploadExpiresAt } = await requestImport(ctx, body);
    return { body: { ...job, uploadUrl, uploadExpiresAt }, headers: { location: `/v1/imports/${job.id}` } };
  },
);

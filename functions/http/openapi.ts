import { z } from 'zod';
import { httpRoute } from '../lib/http/route';
import document from './openapi.json' with { type: 'json' };

/**
 * GET /v1/openapi.json — generated from the zod schemas by `npm run openapi`. Public on purpose:
 * it describes the API's shapes, holds no tenant data, and client generators fetch it without a token.
 */
export const handler = httpRoute(
  {
    summary: 'This API as an OpenAPI 3.1 document',
    public: true,
    response: { status: 200, schema: z.record(z.string(), z.unknown()), description: 'The OpenAPI 3.1 document' },
  },
  () => ({ body: document as Record<string, unknown> }),
);

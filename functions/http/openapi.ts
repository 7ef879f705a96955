import { httpRoute } from '../lib/http/route';
import document from './openapi.json' with { type: 'json' };

/** GET /v1/openapi.json — generated from the zod schemas by `npm run openapi`. */
export const handler = httpRoute({ public: true }, () => ({ body: document }));

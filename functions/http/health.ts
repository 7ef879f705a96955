import { z } from 'zod';
import { httpRoute } from '../lib/http/route';

/** GET /health — liveness, no token. */
export const handler = httpRoute(
  { summary: 'Liveness check', public: true, response: { status: 200, schema: z.object({ status: z.literal('ok') }) } },
  () => ({ body: { status: 'ok' as const } }),
);

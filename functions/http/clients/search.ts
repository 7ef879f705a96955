import { z } from 'zod';
import { Client } from '../../../domain/clients/client';
import { text } from '../../../domain/shared/schemas';
import { PageQuery } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { searchClients } from '../../lib/use-cases/clients';

const SearchQuery = z.strictObject({ q: text({ max: 100 }).pipe(z.string().min(2, 'must be at least 2 characters')), limit: PageQuery.shape.limit });

/** GET /v1/clients?q= */
export const handler = httpRoute(
  {
    summary: 'Search clients',
    description: 'By company-name, phone or email prefix: `q` with an @ is an email, one of digits a phone (read in the tenant’s country), anything else a name.',
    query: SearchQuery,
    response: { status: 200, schema: z.object({ items: z.array(Client) }) },
  },
  async ({ ctx, query }) => ({ body: { items: await searchClients(ctx, query.q, query.limit) } }),
);

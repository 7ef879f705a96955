import { z } from 'zod';
import { PageQuery } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { searchClients } from '../../lib/use-cases/clients';
import { contextOf } from '../../lib/use-cases/context';

/** GET /v1/clients?q= — name, phone or email prefix. */
const SearchQuery = z.strictObject({ q: z.string().trim().min(2, 'must be at least 2 characters').max(100), limit: PageQuery.shape.limit });

export const handler = httpRoute({ query: SearchQuery }, async (input) => {
  const items = await searchClients(contextOf(input, getServices()), input.query.q, input.query.limit);
  return { body: { items } };
});

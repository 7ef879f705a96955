import { z } from 'zod';
import { PageQuery } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { listDuplicates } from '../../lib/use-cases/clients';

const ClientRef = z.object({ id: z.string(), companyName: z.string() });
const DuplicatePair = z
  .object({ a: ClientRef, b: ClientRef, reason: z.enum(['name_and_city', 'name_and_pincode', 'owner_and_phone']), score: z.number() })
  .meta({ id: 'DuplicatePair' });

/** GET /v1/clients/duplicates */
export const handler = httpRoute(
  {
    summary: 'Candidate duplicate pairs, for cleanup',
    description:
      'Managers and admins. Pairs of clients with the same normalised company name in the same city or PIN code, or the same owner with the same last 7 phone digits — both clients ones the caller may open. A page reads the look-alike index in key order; follow `nextCursor`.',
    query: PageQuery,
    response: { status: 200, schema: z.object({ pairs: z.array(DuplicatePair), nextCursor: z.string().optional() }) },
  },
  async ({ ctx, query }) => {
    const page = await listDuplicates(ctx, query);
    return { body: { pairs: page.pairs, ...(page.cursor && { nextCursor: page.cursor }) } };
  },
);

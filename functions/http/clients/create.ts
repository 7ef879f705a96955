import { z } from 'zod';
import { Client, ClientInput } from '../../../domain/clients/client';
import { httpRoute } from '../../lib/http/route';
import { createClient, getClient } from '../../lib/use-cases/clients';

const PossibleDuplicate = z
  .object({
    id: z.string().optional(),
    reason: z.enum(['name_and_city', 'name_and_pincode', 'owner_and_phone']),
    score: z.number(),
    hidden: z.literal(true).optional(),
  })
  .meta({ id: 'PossibleDuplicate' });

/** The client created, with the clients it may duplicate (the tenant's rule is `warn`). */
const CreatedClient = Client.extend({ possibleDuplicates: z.array(PossibleDuplicate).optional() }).meta({ id: 'CreatedClient' });

/** POST /v1/clients */
export const handler = httpRoute(
  {
    summary: 'Create a client',
    description:
      'Phones are normalised to E.164, emails lower-cased, GSTINs upper-cased; a phone, email or GSTIN another client holds is a 409 naming that client. A fuzzy match (the same normalised company name in the same city or PIN code, or the same owner with the same last 7 phone digits) is listed in `possibleDuplicates` (matches the caller may not open are counted, not named), or refused with 409 `possible_duplicate` when the tenant\'s duplicate rule is `block` (GET /v1/config/dedup).',
    body: ClientInput,
    idempotent: true,
    onReplay: (ctx, client) => getClient(ctx, client.id),
    response: { status: 201, schema: CreatedClient },
  },
  async ({ ctx, body }) => {
    const { client, possibleDuplicates } = await createClient(ctx, body);
    return { body: { ...client, ...(possibleDuplicates.length > 0 && { possibleDuplicates }) }, version: client.version, headers: { location: `/v1/clients/${client.id}` } };
  },
);

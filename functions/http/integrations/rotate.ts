import { httpRoute } from '../../lib/http/route';
import { rotateSecret } from '../../lib/use-cases/integrations';
import { ConnectionIdParams, RotatedSecret } from './schemas';

/** POST /v1/integrations/{id}/rotate-secret */
export const handler = httpRoute(
  {
    summary: 'Rotate the signing secret',
    description: 'tenant_admin. A new signing secret, shown once; the previous one keeps verifying for 24 hours, so the sender can switch without a lost delivery. Only for providers we make the secret for (generic, sap, tally, zoho_books); QuickBooks and Meta verify with the app\'s own secret (PATCH `secrets`).',
    params: ConnectionIdParams,
    ifMatch: 'optional',
    response: { status: 200, schema: RotatedSecret },
  },
  async ({ ctx, params, expectedVersion }) => {
    const rotated = await rotateSecret(ctx, params.id, expectedVersion);
    return { body: rotated, version: rotated.connection.version };
  },
);

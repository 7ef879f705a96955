import { ClientProfile } from '../../../domain/clients/profile';
import { ClientIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { clientProfile } from '../../lib/use-cases/clients';

/** GET /v1/clients/{id}/profile */
export const handler = httpRoute(
  {
    summary: 'The client’s 360° view',
    description: 'Existing products, active opportunities, products at Lead and in closing, the follow-up history and cross-sell suggestions — only what the caller may see.',
    params: ClientIdParams,
    response: { status: 200, schema: ClientProfile },
  },
  async ({ ctx, params }) => ({ body: await clientProfile(ctx, params.id) }),
);

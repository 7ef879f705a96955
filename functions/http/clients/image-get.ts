import { ImageDownload } from '../../../domain/clients/image';
import { ClientIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { imageDownload } from '../../lib/use-cases/clients';

/** GET /v1/clients/{id}/image */
export const handler = httpRoute(
  { summary: 'Download URL for the client’s image', params: ClientIdParams, response: { status: 200, schema: ImageDownload } },
  async ({ ctx, params }) => ({ body: await imageDownload(ctx, params.id) }),
);

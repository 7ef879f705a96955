import { ImageUpload, ImageUploadInput } from '../../../domain/clients/image';
import { ClientIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { requestImageUpload } from '../../lib/use-cases/clients';

/** POST /v1/clients/{id}/image */
export const handler = httpRoute(
  {
    summary: 'Upload URL for the client’s image',
    description: 'A presigned PUT URL for the visiting card or signboard; the content type and length are signed (≤ 5 MB). The client points at the new image at once.',
    params: ClientIdParams,
    body: ImageUploadInput,
    ifMatch: 'optional',
    response: { status: 201, schema: ImageUpload },
  },
  async ({ ctx, params, body, expectedVersion }) => ({ body: await requestImageUpload(ctx, params.id, body, expectedVersion) }),
);

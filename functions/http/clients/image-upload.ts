import { ImageUploadInput } from '../../../domain/clients/image';
import { ClientIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { requestImageUpload } from '../../lib/use-cases/clients';
import { contextOf } from '../../lib/use-cases/context';

/** POST /v1/clients/{id}/image {contentType, contentLength} → a presigned PUT URL for the visiting card or signboard. */
export const handler = httpRoute({ params: ClientIdParams, body: ImageUploadInput }, async (input) => ({
  status: 201,
  body: await requestImageUpload(contextOf(input, getServices()), input.params.id, input.body),
}));

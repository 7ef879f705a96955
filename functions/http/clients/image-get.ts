import { ClientIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { imageDownload } from '../../lib/use-cases/clients';
import { contextOf } from '../../lib/use-cases/context';

/** GET /v1/clients/{id}/image → a short-lived presigned download URL. */
export const handler = httpRoute({ params: ClientIdParams }, async (input) => ({
  body: await imageDownload(contextOf(input, getServices()), input.params.id),
}));

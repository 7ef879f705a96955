import { ClientIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { clientProfile } from '../../lib/use-cases/clients';
import { contextOf } from '../../lib/use-cases/context';

/** GET /v1/clients/{id}/profile — the 360 view. */
export const handler = httpRoute({ params: ClientIdParams }, async (input) => ({
  body: await clientProfile(contextOf(input, getServices()), input.params.id),
}));

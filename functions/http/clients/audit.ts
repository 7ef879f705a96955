import { ClientIdParams, pageBody, PageQuery } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { clientAudit } from '../../lib/use-cases/clients';
import { contextOf } from '../../lib/use-cases/context';

/** GET /v1/clients/{id}/audit — every change to the client, its opportunities and events. */
export const handler = httpRoute({ params: ClientIdParams, query: PageQuery }, async (input) => ({
  body: pageBody(await clientAudit(contextOf(input, getServices()), input.params.id, input.query)),
}));

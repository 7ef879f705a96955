import { rawRoute } from '../../lib/http/raw-route';
import { getServices } from '../../lib/services';
import { assertOrigin, formConnection } from '../../lib/use-cases/forms';
import { corsHeaders, FormParams } from './schemas';

/** OPTIONS /forms/{formKey} */
export const handler = rawRoute(
  {
    summary: 'CORS preflight of a web form',
    description: 'Allows POST with `Content-Type` from the form\'s allowed origins (cached 10 minutes); any other origin is 403.',
    params: FormParams,
    accepts: [],
    signed: false,
    response: { status: 204, description: 'The origin may post' },
  },
  async ({ params, headers }) => {
    const { settings } = await formConnection(getServices(), params.formKey);
    assertOrigin(settings, headers.origin);
    return { status: 204, headers: { ...corsHeaders(headers.origin!), 'access-control-allow-methods': 'POST', 'access-control-allow-headers': 'Content-Type', 'access-control-max-age': '600' } };
  },
);

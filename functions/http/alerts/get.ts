import { Alert } from '../../../domain/alerts/alert';
import { httpRoute } from '../../lib/http/route';
import { getAlert } from '../../lib/use-cases/alerts';
import { AlertIdParams } from './schemas';

/** GET /v1/alerts/{id} */
export const handler = httpRoute(
  {
    summary: 'Read an alert',
    description: 'One alert, with who acknowledged or resolved it and when; 404 unless it is about someone the caller may list.',
    params: AlertIdParams,
    response: { status: 200, schema: Alert },
  },
  async ({ ctx, params }) => {
    const alert = await getAlert(ctx, params.id);
    return { body: alert, version: alert.version };
  },
);

import { Alert } from '../../../domain/alerts/alert';
import { httpRoute } from '../../lib/http/route';
import { acknowledgeAlert } from '../../lib/use-cases/alerts';
import { AlertAction, AlertIdParams } from './schemas';

/** POST /v1/alerts/{id}/acknowledge */
export const handler = httpRoute(
  {
    summary: 'Acknowledge an alert',
    description: 'An open alert becomes acknowledged (seen, being handled); it still escalates if unresolved past its deadline. 409 when it is not open.',
    params: AlertIdParams,
    body: AlertAction.optional(),
    ifMatch: 'optional',
    response: { status: 200, schema: Alert },
  },
  async ({ ctx, params, body, expectedVersion }) => {
    const alert = await acknowledgeAlert(ctx, params.id, body?.note, expectedVersion);
    return { body: alert, version: alert.version };
  },
);

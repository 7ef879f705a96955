import { Alert } from '../../../domain/alerts/alert';
import { httpRoute } from '../../lib/http/route';
import { resolveAlert } from '../../lib/use-cases/alerts';
import { AlertAction, AlertIdParams } from './schemas';

/** POST /v1/alerts/{id}/resolve */
export const handler = httpRoute(
  {
    summary: 'Resolve an alert',
    description: 'Managers and admins resolve alerts about the people below them (never about themselves: 403). 409 when it is already resolved; the system also resolves alerts whose condition cleared.',
    params: AlertIdParams,
    body: AlertAction.optional(),
    ifMatch: 'optional',
    response: { status: 200, schema: Alert },
  },
  async ({ ctx, params, body, expectedVersion }) => {
    const alert = await resolveAlert(ctx, params.id, body?.note, expectedVersion);
    return { body: alert, version: alert.version };
  },
);

import { CrmEvent } from '../../../domain/events/event';
import { EventIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getEvent } from '../../lib/use-cases/events';

/** GET /v1/events/{id} */
export const handler = httpRoute({ summary: 'Read a follow-up event', params: EventIdParams, response: { status: 200, schema: CrmEvent } }, async ({ ctx, params }) => {
  const event = await getEvent(ctx, params.id);
  return { body: event, version: event.version };
});

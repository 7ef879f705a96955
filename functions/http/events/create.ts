import { EventInput } from '../../../domain/events/event';
import { etag, OpportunityIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { contextOf } from '../../lib/use-cases/context';
import { addEvent } from '../../lib/use-cases/events';

/** POST /v1/opportunities/{id}/events */
export const handler = httpRoute({ params: OpportunityIdParams, body: EventInput, idempotent: true }, async (input) => {
  const event = await addEvent(contextOf(input, getServices()), input.params.id, input.body);
  return { status: 201, body: event, headers: { location: `/v1/events/${event.id}`, etag: etag(event.version) } };
});

import { etag, EventIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { contextOf } from '../../lib/use-cases/context';
import { getEvent } from '../../lib/use-cases/events';

export const handler = httpRoute({ params: EventIdParams }, async (input) => {
  const event = await getEvent(contextOf(input, getServices()), input.params.id);
  return { body: event, headers: { etag: etag(event.version) } };
});

import { CompleteEventInput } from '../../../domain/events/event';
import { etag, EventIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { getServices } from '../../lib/services';
import { contextOf, versionFromIfMatch } from '../../lib/use-cases/context';
import { completeEvent } from '../../lib/use-cases/events';

/** POST /v1/events/{id}/complete {feedback?} */
export const handler = httpRoute({ params: EventIdParams, body: CompleteEventInput.optional() }, async (input) => {
  const result = await completeEvent(contextOf(input, getServices()), input.params.id, input.body ?? {}, versionFromIfMatch(input.headers['if-match']));
  return { body: result, headers: { etag: etag(result.event.version) } };
});

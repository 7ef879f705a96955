import { z } from 'zod';
import { TimelineItem, timelineTypes, typesOf } from '../../../domain/messages/timeline';
import { ClientIdParams, PageOf, pageBody, PageQuery } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { clientTimeline } from '../../lib/use-cases/timeline';

const oneType = timelineTypes.join('|');
export const TimelineQuery = PageQuery.extend({
  types: z
    .string()
    .regex(new RegExp(`^(${oneType})(,(${oneType}))*$`), `must be a comma-separated list of ${timelineTypes.join(', ')}`)
    .optional()
    .meta({ description: `Only these types (comma-separated: ${timelineTypes.join(', ')}); all three when absent.` }),
});

/** GET /v1/clients/{id}/timeline */
export const handler = httpRoute(
  {
    summary: 'A client’s timeline',
    description:
      'The client’s follow-up events, messages and stage changes in one stream, newest first, each item typed (`event`, `message`, `stage_change`) and at a time that never changes: ' +
      'an event at its scheduled time (so upcoming follow-ups come first), a message when it was written or arrived, a stage change when it was made. ' +
      'A caller who sees only some of the client’s deals sees the items of those (and, unless they work only on what was handed to them, the client’s messages about no deal). ' +
      'The cursor continues after the last item of the page, for the same client and `types`.',
    params: ClientIdParams,
    query: TimelineQuery,
    response: { status: 200, schema: PageOf(TimelineItem) },
  },
  async ({ ctx, params, query }) => {
    const { types, ...page } = query;
    return { body: pageBody(await clientTimeline(ctx, params.id, { ...page, types: typesOf(types) })) };
  },
);

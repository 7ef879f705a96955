import { z } from 'zod';
import { CompleteEventInput, CrmEvent } from '../../../domain/events/event';
import { EventIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { completeEvent } from '../../lib/use-cases/events';

/** POST /v1/events/{id}/complete */
export const handler = httpRoute(
  {
    summary: 'Complete a follow-up event',
    description:
      'A Pending (or Missed, done late) event. Demos and visits need the eight feedback fields; completing a Demo/Visit Scheduled event creates its Demo/Visit Completed record (`created`).',
    params: EventIdParams,
    body: CompleteEventInput.optional(),
    ifMatch: 'optional',
    response: { status: 200, schema: z.object({ event: CrmEvent, created: CrmEvent.optional() }) },
  },
  async ({ ctx, params, body, expectedVersion }) => {
    const result = await completeEvent(ctx, params.id, body ?? {}, expectedVersion);
    return { body: result, version: result.event.version };
  },
);

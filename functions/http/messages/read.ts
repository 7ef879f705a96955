import { z } from 'zod';
import { ClientIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { markThreadRead } from '../../lib/use-cases/unread';

/** POST /v1/clients/{id}/messages/read */
export const handler = httpRoute(
  {
    summary: 'Mark a client’s thread read',
    description: 'Clears the caller’s unread count for the client and says how many it held (0 when none: marking twice is harmless). Other staff members’ counts are theirs.',
    params: ClientIdParams,
    response: { status: 200, schema: z.object({ clientId: z.string(), cleared: z.number().int().nonnegative() }).meta({ id: 'ThreadRead' }) },
  },
  async ({ ctx, params }) => ({ body: await markThreadRead(ctx, params.id) }),
);

import { z } from 'zod';
import { httpRoute } from '../../lib/http/route';
import { listUnread } from '../../lib/use-cases/unread';

const UnreadSummary = z
  .object({
    /** All the counts below, added up. */
    total: z.number().int().nonnegative(),
    clients: z.array(z.object({ clientId: z.string(), companyName: z.string().optional(), count: z.number().int().positive(), lastAt: z.string() })),
  })
  .meta({ id: 'UnreadSummary' });

/** GET /v1/messages/unread */
export const handler = httpRoute(
  {
    summary: 'Your unread messages',
    description:
      'The caller’s own unread counts, per client, newest first: the inbound messages counted for them (the deal’s assignee when a message is about a deal, else the client’s owner) ' +
      'since they last marked the client’s thread read (POST /v1/clients/{id}/messages/read; reading the thread does not). Only clients the caller may still see, where they may see a counted message.',
    response: { status: 200, schema: UnreadSummary },
  },
  async ({ ctx }) => ({ body: await listUnread(ctx) }),
);

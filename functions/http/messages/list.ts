import { ClientIdParams, PageOf, pageBody } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { listMessages } from '../../lib/use-cases/messages';
import { Message, MessagesQuery } from './schemas';

/** GET /v1/clients/{id}/messages */
export const handler = httpRoute(
  {
    summary: 'A client’s messages',
    description: 'The client’s email and WhatsApp thread, oldest first (`channel` filters). A caller who sees only some of the client’s deals sees the messages of those (and, unless they work only on what was handed to them, the client’s messages about no deal).',
    params: ClientIdParams,
    query: MessagesQuery,
    response: { status: 200, schema: PageOf(Message) },
  },
  async ({ ctx, params, query }) => {
    const { channel, ...page } = query;
    return { body: pageBody(await listMessages(ctx, params.id, { ...page, ...(channel && { channel }) })) };
  },
);

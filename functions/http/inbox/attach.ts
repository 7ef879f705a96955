import { Message } from '../../../domain/messages/message';
import { httpRoute } from '../../lib/http/route';
import { visibleClient } from '../../lib/use-cases/clients';
import { attachInboxMail } from '../../lib/use-cases/inbound-email';
import { AttachInboxMailInput, InboxMailIdParams } from './schemas';

/** POST /v1/inbox/{id}/attach */
export const handler = httpRoute(
  {
    summary: 'Attach a mail of the inbox to a client’s thread',
    description:
      'The mail becomes an inbound message in the client’s thread (about the deal named by `opportunityId`, which must be the client’s) and leaves the inbox, in one step. The caller must see the client and the deal (404 otherwise); a mail attached already is 409 `already_attached`, naming the client and message.',
    params: InboxMailIdParams,
    body: AttachInboxMailInput,
    idempotent: true,
    // A replay shows the message only while the caller may still see its client.
    onReplay: async (ctx, stored) => void (await visibleClient(ctx, stored.clientId, 'client:read')),
    response: { status: 201, schema: Message },
  },
  async ({ ctx, params, body }) => {
    const message = await attachInboxMail(ctx, params.id, body);
    return { body: message, headers: { location: `/v1/clients/${message.clientId}/messages` } };
  },
);

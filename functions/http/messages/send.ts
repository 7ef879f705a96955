import { SendMessageInput } from '../../../domain/messages/message';
import { ClientIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { messagingDepsFor } from '../../lib/mail/messaging';
import { visibleClient } from '../../lib/use-cases/clients';
import { sendMessage } from '../../lib/use-cases/send-message';
import { Message } from './schemas';

/** POST /v1/clients/{id}/messages */
export const handler = httpRoute(
  {
    summary: 'Send a message to a client',
    description:
      '`channel: email` — real MIME through SES (the outbox locally) with the thread’s own Reply-To, so the reply finds the thread; `to` defaults to the client’s email. `channel: whatsapp` — free text only within 24 hours of the client’s last WhatsApp message, else 409 `outside_service_window`. Naming `opportunityId` logs the message there as a completed Message event; warriors and partners must name a deal handed to them. `template` names one of the tenant’s (GET /v1/config/templates) instead of subject, text and HTML: rendered for the client, the deal and the caller as POST /v1/config/templates/preview shows it (422 `unknown_template`, `channel_mismatch`, or `missing_value` naming the variable); on WhatsApp outside the window its Meta-approved part goes, and one without that part is 409 `outside_service_window` too. `attachments` (email): keys from POST /v1/clients/{id}/attachments whose files were uploaded, at most 10 and 20 MB together, each checked against what is stored (422 `foreign_key` for a key that is not one of this client’s uploads, `not_uploaded`, `unsupported_type`, `too_large`) before anything is sent. A tenant sends at most 60 messages a minute (MESSAGES_PER_MINUTE): the next one is 429 with Retry-After until the minute ends; a replay of an Idempotency-Key does not count.',
    params: ClientIdParams,
    body: SendMessageInput,
    idempotent: true,
    rateLimited: true,
    // A replay shows the message only while the caller may still see its client.
    onReplay: async (ctx, stored) => void (await visibleClient(ctx, stored.clientId, 'client:read')),
    response: { status: 201, schema: Message },
  },
  async ({ ctx, params, body }) => {
    const message = await sendMessage(ctx, await messagingDepsFor(ctx), params.id, body);
    return { body: message, headers: { location: `/v1/clients/${message.clientId}/messages` } };
  },
);

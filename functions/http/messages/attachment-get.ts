import { z } from 'zod';
import { AttachmentDownload, MAX_ATTACHMENTS } from '../../../domain/messages/attachments';
import { idPatterns } from '../../lib/ids';
import { httpRoute } from '../../lib/http/route';
import { attachmentDownload } from '../../lib/use-cases/attachments';

const AttachmentParams = z.strictObject({
  id: z.string().regex(idPatterns.client, 'is not a client id'),
  messageId: z.string().regex(idPatterns.message, 'is not a message id'),
  n: z.coerce.number().int().min(0).max(MAX_ATTACHMENTS - 1),
});

/** GET /v1/clients/{id}/messages/{messageId}/attachments/{n} */
export const handler = httpRoute(
  {
    summary: 'Download URL for a message’s attachment',
    description: 'A short-lived download URL for attachment `n` (from 0, in the order of the message’s `attachments`) of a message of the client’s thread that the caller may see (as in GET /v1/clients/{id}/messages); any other is 404.',
    params: AttachmentParams,
    response: { status: 200, schema: AttachmentDownload },
  },
  async ({ ctx, params }) => ({ body: await attachmentDownload(ctx, params.id, params.messageId, params.n) }),
);

import { AttachmentUpload, AttachmentUploadInput } from '../../../domain/messages/attachments';
import { ClientIdParams } from '../../lib/http/params';
import { httpRoute } from '../../lib/http/route';
import { requestAttachmentUpload } from '../../lib/use-cases/attachments';

/** POST /v1/clients/{id}/attachments */
export const handler = httpRoute(
  {
    summary: 'Upload URL for an email attachment',
    description:
      'A presigned PUT URL for one file to attach to an email to the client (PDF, images, office documents, CSV, ZIP; at most 10 MB): its content type and length are signed. Name the answer’s `key` in `attachments` of POST /v1/clients/{id}/messages once the file is uploaded (at most 10 files, 20 MB together). Who may send to the client may upload for it.',
    params: ClientIdParams,
    body: AttachmentUploadInput,
    response: { status: 201, schema: AttachmentUpload },
  },
  async ({ ctx, params, body }) => ({ body: await requestAttachmentUpload(ctx, params.id, body) }),
);

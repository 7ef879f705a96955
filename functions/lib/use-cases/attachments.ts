import { authorize } from '../../../domain/access/policy';
import { DOWNLOAD_URL_SECONDS, UPLOAD_URL_SECONDS } from '../../../domain/clients/image';
import { DomainError, invalid } from '../../../domain/errors';
import {
  attachmentKey,
  attachmentProblems,
  foreignKeys,
  uploadFilename,
  type AttachmentDownload,
  type AttachmentUpload,
  type AttachmentUploadInput,
} from '../../../domain/messages/attachments';
import type { Message } from '../../../domain/messages/message';
import { ids } from '../ids';
import { visibleClient } from './clients';
import type { UseCaseContext } from './context';
import { visibleMessage } from './messages';

/**
 * Email attachments (#14 item 1): an upload URL for one file of a client's thread, the files a
 * send names checked against what was uploaded (before anything is sent), their bytes for the
 * MIME, and a download URL for an attachment of a message the caller may see.
 */
type StoredAttachment = Message['attachments'][number];

/**
 * POST /v1/clients/{id}/attachments: who may send to the client may upload for it (event:create,
 * the client in scope). The URL accepts exactly the type and length asked for.
 */
export async function requestAttachmentUpload(ctx: UseCaseContext, clientId: string, input: AttachmentUploadInput): Promise<AttachmentUpload> {
  authorize(ctx.actor, 'event:create');
  const { client } = await visibleClient(ctx, clientId, 'client:read');
  const key = attachmentKey(ctx.actor.tenantId, client.id, ids.audit(), input.filename);
  return {
    key,
    filename: uploadFilename(ctx.actor.tenantId, client.id, key)!,
    uploadUrl: await ctx.services.media.uploadUrl(key, input.contentType, input.size, UPLOAD_URL_SECONDS),
    expiresAt: new Date(ctx.now.getTime() + UPLOAD_URL_SECONDS * 1000).toISOString(),
    headers: { 'content-type': input.contentType, 'content-length': String(input.size) },
  };
}

/** What a send attaches, as checked: the stored record of each, and the version that was checked. */
export interface CheckedAttachment extends StoredAttachment {
  etag: string;
}

/**
 * The keys a send names, checked before anything is sent (422 naming `body.attachments.N`): each
 * one of this client's uploads — anything else is refused before any object is looked at, so no
 * other tenant's or client's object is ever read — uploaded, of a type on the list, within the
 * sizes. Type and size are what S3 holds, not what the caller says.
 */
export async function checkAttachments(ctx: UseCaseContext, clientId: string, keys: readonly string[]): Promise<CheckedAttachment[]> {
  if (keys.length === 0) return [];
  const foreign = foreignKeys(ctx.actor.tenantId, clientId, keys);
  if (foreign.length > 0) throw invalid(foreign);
  const found = await Promise.all(keys.map((key) => ctx.services.media.head(key)));
  const problems = attachmentProblems(keys, found);
  if (problems.length > 0) throw invalid(problems);
  return keys.map((key, i) => ({ key, filename: uploadFilename(ctx.actor.tenantId, clientId, key)!, contentType: found[i]!.contentType!, size: found[i]!.size, etag: found[i]!.etag }));
}

/** The checked files' bytes, each as it was checked (a file replaced since is 409 `attachment_changed`). */
export async function attachmentContents(ctx: UseCaseContext, attachments: readonly CheckedAttachment[]): Promise<{ filename: string; contentType: string; content: Buffer }[]> {
  return Promise.all(
    attachments.map(async (a) => {
      const content = await ctx.services.media.read(a.key, a.etag);
      if (content.length !== a.size) throw new DomainError('conflict', 'attachment_changed', `The file at ${a.key} changed while the message was being sent; send it again.`);
      return { filename: a.filename, contentType: a.contentType, content };
    }),
  );
}

/** What the message records of each attachment. */
export const storedAttachments = (attachments: readonly CheckedAttachment[]): StoredAttachment[] => attachments.map(({ key, filename, contentType, size }) => ({ key, filename, contentType, size }));

/** GET /v1/clients/{id}/messages/{messageId}/attachments/{n}: of a message the caller may see (404 otherwise), numbered from 0. */
export async function attachmentDownload(ctx: UseCaseContext, clientId: string, messageId: string, n: number): Promise<AttachmentDownload> {
  const message = await visibleMessage(ctx, clientId, messageId);
  const attachment = message.attachments[n];
  if (!attachment) throw new DomainError('not_found', 'attachment_not_found', `Message ${messageId} has no attachment ${n}.`);
  return {
    downloadUrl: await ctx.services.media.downloadUrl(attachment.key, DOWNLOAD_URL_SECONDS, attachment.filename),
    expiresAt: new Date(ctx.now.getTime() + DOWNLOAD_URL_SECONDS * 1000).toISOString(),
    filename: attachment.filename,
    contentType: attachment.contentType,
    size: attachment.size,
  };
}

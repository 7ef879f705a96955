import { z } from 'zod';
import type { FieldError } from '../errors';
import { text } from '../shared/schemas';

/**
 * Email attachments (#14 item 1, DESIGN §11): the caller uploads each file straight to the media
 * bucket through a presigned PUT (the API never carries the bytes), then names the keys in the
 * send. A key is made here, under its tenant and client, so a send can tell at a glance whether a
 * key is one of this client's uploads — and never reads another tenant's object.
 */

/** What may be attached: documents people send to clients, nothing executable. */
export const attachmentTypes = [
  'application/pdf',
  'image/jpeg',
  'image/png',
  'image/gif',
  'image/webp',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.ms-excel',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'text/csv',
  'application/zip',
] as const;
export const AttachmentType = z.enum(attachmentTypes);
export type AttachmentType = z.infer<typeof AttachmentType>;

export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024;
export const MAX_ATTACHMENTS = 10;
/** All of a message's attachments together: SES takes 40 MB of MIME, and base64 adds a third. */
export const MAX_ATTACHMENTS_TOTAL_BYTES = 20 * 1024 * 1024;
/** Characters of a stored filename (its extension kept). */
const MAX_FILENAME = 100;

/**
 * A filename safe as the last segment of a key and in a Content-Disposition header: the last path
 * segment only, letters and marks (any script), digits, `.`, `-` and `_`; every other run of characters one
 * `_`; no leading dot (no hidden files); at most 100 characters, the extension kept. Sanitising a
 * sanitised name changes nothing.
 */
export function safeFilename(name: string): string {
  const base = name.normalize('NFC').split(/[/\\]/).pop() ?? '';
  let safe = base.replace(/[^\p{L}\p{M}\p{N}._-]+/gu, '_').replace(/^\.+/, '');
  if (safe.length > MAX_FILENAME) {
    const dot = safe.lastIndexOf('.');
    const ext = dot > 0 && safe.length - dot <= 16 ? safe.slice(dot) : '';
    // A cut between the halves of a surrogate pair would leave half a character.
    safe = safe.slice(0, MAX_FILENAME - ext.length).replace(/[\uD800-\uDBFF]$/, '') + ext;
  }
  return /[\p{L}\p{N}]/u.test(safe) ? safe : 'attachment';
}

/** Every upload of a client's attachments sits below this prefix. */
export const uploadsPrefix = (tenantId: string, clientId: string) => `messages/${tenantId}/${clientId}/uploads/`;

/** Where one upload goes: a new folder per upload (its ulid), the file's safe name inside. */
export const attachmentKey = (tenantId: string, clientId: string, uploadId: string, filename: string) => `${uploadsPrefix(tenantId, clientId)}${uploadId}/${safeFilename(filename)}`;

const UPLOAD_SEGMENT = /^[0-9a-hjkmnp-tv-z]{26}\/([^/]+)$/;

/** The filename of a key that is one of this client's uploads (exactly as `attachmentKey` makes them), else undefined. */
export function uploadFilename(tenantId: string, clientId: string, key: string): string | undefined {
  const prefix = uploadsPrefix(tenantId, clientId);
  if (!key.startsWith(prefix)) return undefined;
  const filename = UPLOAD_SEGMENT.exec(key.slice(prefix.length))?.[1];
  return filename !== undefined && safeFilename(filename) === filename ? filename : undefined;
}

/** What a send found at one key (S3 HEAD), or undefined when nothing is there. */
export interface StoredObject {
  size: number;
  contentType: string | undefined;
}

/**
 * The field errors of a send's attachment keys against what is stored (`found[i]` for `keys[i]`):
 * a key outside this client's uploads (`foreign_key`: checked before anything is read), nothing
 * uploaded there (`not_uploaded`), a type off the list or a file over 10 MB, a key named twice,
 * more than 20 MB together (`body.attachments`).
 */
export function attachmentProblems(keys: readonly string[], found: readonly (StoredObject | undefined)[]): FieldError[] {
  const errors: FieldError[] = [];
  let total = 0;
  keys.forEach((key, i) => {
    const field = `body.attachments.${i}`;
    const object = found[i];
    if (keys.indexOf(key) !== i) errors.push({ field, code: 'duplicate', message: `names the same file as body.attachments.${keys.indexOf(key)}` });
    else if (!object) errors.push({ field, code: 'not_uploaded', message: 'nothing was uploaded to this key (PUT the file to its upload URL first)' });
    else if (!AttachmentType.safeParse(object.contentType).success) errors.push({ field, code: 'unsupported_type', message: `is of a type that cannot be attached (${object.contentType ?? 'none'})` });
    else if (object.size > MAX_ATTACHMENT_BYTES) errors.push({ field, code: 'too_large', message: 'is over 10 MB' });
    else total += object.size;
  });
  if (errors.length === 0 && total > MAX_ATTACHMENTS_TOTAL_BYTES) errors.push({ field: 'body.attachments', code: 'too_large', message: `are ${total} bytes together; at most 20 MB (${MAX_ATTACHMENTS_TOTAL_BYTES} bytes)` });
  return errors;
}

/** The keys that are not this client's uploads, as field errors. */
export function foreignKeys(tenantId: string, clientId: string, keys: readonly string[]): FieldError[] {
  return keys.flatMap((key, i) =>
    uploadFilename(tenantId, clientId, key) === undefined ? [{ field: `body.attachments.${i}`, code: 'foreign_key', message: 'is not a file uploaded for this client (POST /v1/clients/{id}/attachments)' }] : [],
  );
}

/** POST /v1/clients/{id}/attachments */
export const AttachmentUploadInput = z.strictObject({
  filename: text({ max: 255 }),
  contentType: AttachmentType,
  /** Bytes; at most 10 MB. */
  size: z.number().int().min(1).max(MAX_ATTACHMENT_BYTES, 'must be at most 10 MB'),
});
export type AttachmentUploadInput = z.infer<typeof AttachmentUploadInput>;

export const AttachmentUpload = z
  .object({
    /** Name it in `attachments` of POST /v1/clients/{id}/messages once the file is uploaded. */
    key: z.string(),
    /** The name the client will see (sanitised). */
    filename: z.string(),
    uploadUrl: z.string(),
    expiresAt: z.string(),
    /** Send exactly these with the PUT: they are signed. */
    headers: z.object({ 'content-type': z.string(), 'content-length': z.string() }),
  })
  .meta({ id: 'AttachmentUpload' });
export type AttachmentUpload = z.infer<typeof AttachmentUpload>;

/** GET /v1/clients/{id}/messages/{messageId}/attachments/{n}: a short-lived download URL. */
export const AttachmentDownload = z
  .object({ downloadUrl: z.string(), expiresAt: z.string(), filename: z.string(), contentType: z.string(), size: z.number().int().nonnegative() })
  .meta({ id: 'AttachmentDownload' });
export type AttachmentDownload = z.infer<typeof AttachmentDownload>;

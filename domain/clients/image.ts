import { z } from 'zod';

/** Spec §3: the client's visiting card or signboard, uploaded straight to storage. */
export const imageTypes = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp' } as const;

export const ImageUploadInput = z.strictObject({
  contentType: z.enum(Object.keys(imageTypes) as [keyof typeof imageTypes, ...(keyof typeof imageTypes)[]]),
  /** Bytes; at most 5 MB. */
  contentLength: z.number().int().min(1).max(5 * 1024 * 1024, 'must be at most 5 MB'),
});
export type ImageUploadInput = z.infer<typeof ImageUploadInput>;

/** Where a client's image lives: under its tenant and client, a new name per upload. */
export const imageKey = (tenantId: string, clientId: string, uploadId: string, contentType: keyof typeof imageTypes) =>
  `tenants/${tenantId}/clients/${clientId}/${uploadId}.${imageTypes[contentType]}`;

/** Upload URLs live 15 minutes; download URLs 5. */
export const UPLOAD_URL_SECONDS = 900;
export const DOWNLOAD_URL_SECONDS = 300;

/** POST /v1/clients/{id}/image: where to PUT the image, with which headers, until when. */
export const ImageUpload = z
  .object({
    imageKey: z.string(),
    uploadUrl: z.string(),
    expiresAt: z.string(),
    /** Send exactly these with the PUT: they are signed. */
    headers: z.object({ 'content-type': z.string(), 'content-length': z.string() }),
    /** The client's version after it took the new image key (its new ETag). */
    clientVersion: z.number().int(),
  })
  .meta({ id: 'ImageUpload' });
export type ImageUpload = z.infer<typeof ImageUpload>;

/** GET /v1/clients/{id}/image: a short-lived download URL. */
export const ImageDownload = z.object({ url: z.string(), expiresAt: z.string() }).meta({ id: 'ImageDownload' });
export type ImageDownload = z.infer<typeof ImageDownload>;

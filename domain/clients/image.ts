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

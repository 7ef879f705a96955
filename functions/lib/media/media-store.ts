import { conflict } from '../../../domain/errors';
import type { Config } from '../config';
import { lazyS3 } from './s3';

/**
 * Presigned URLs for client images and email attachments: the API never carries the bytes (DESIGN
 * §3 Clients, §11). Sending an email reads its attachments (`head`, then `read`).
 */
export interface MediaStore {
  /** A PUT URL valid for `expiresIn` seconds that accepts exactly this type and length. */
  uploadUrl(key: string, contentType: string, contentLength: number, expiresIn: number): Promise<string>;
  /** `fileName`: the download is saved under this name (Content-Disposition). */
  downloadUrl(key: string, expiresIn: number, fileName?: string): Promise<string>;
  /** What is stored at the key (HEAD), or undefined when nothing is. */
  head(key: string): Promise<{ size: number; contentType: string | undefined; etag: string } | undefined>;
  /** The object's bytes; `etag` refuses (409 `attachment_changed`) an object replaced since it was checked. */
  read(key: string, etag?: string): Promise<Buffer>;
}

/** Signs and reads with the lazily loaded S3 SDK (s3.ts): only the image and attachment routes load it. */
export function createMediaStore(cfg: Pick<Config, 'AWS_REGION' | 'S3_ENDPOINT' | 'MEDIA_BUCKET'>): MediaStore {
  const load = lazyS3(cfg);
  return {
    // Content type and length are signed: an upload of another type or size is refused by S3.
    async uploadUrl(key, contentType, contentLength, expiresIn) {
      const { s3, s3sdk, getSignedUrl } = await load();
      return getSignedUrl(s3, new s3sdk.PutObjectCommand({ Bucket: cfg.MEDIA_BUCKET, Key: key, ContentType: contentType, ContentLength: contentLength }), {
        expiresIn,
        signableHeaders: new Set(['content-type', 'content-length']),
      });
    },
    async downloadUrl(key, expiresIn, fileName) {
      const { s3, s3sdk, getSignedUrl } = await load();
      return getSignedUrl(s3, new s3sdk.GetObjectCommand({ Bucket: cfg.MEDIA_BUCKET, Key: key, ...(fileName && { ResponseContentDisposition: contentDisposition(fileName) }) }), { expiresIn });
    },
    async head(key) {
      const { s3, s3sdk } = await load();
      try {
        const out = await s3.send(new s3sdk.HeadObjectCommand({ Bucket: cfg.MEDIA_BUCKET, Key: key }));
        return { size: out.ContentLength ?? 0, contentType: out.ContentType, etag: out.ETag ?? '' };
      } catch (error) {
        // The readers of attachments may only GetObject under messages/: to them S3 answers a missing key 403, not 404
        // (telling them apart needs s3:ListBucket on the whole bucket, which would list every tenant's keys).
        const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
        if (status === 404 || (status === 403 && key.startsWith('messages/'))) return undefined;
        throw error;
      }
    },
    async read(key, etag) {
      const { s3, s3sdk } = await load();
      try {
        const out = await s3.send(new s3sdk.GetObjectCommand({ Bucket: cfg.MEDIA_BUCKET, Key: key, ...(etag && { IfMatch: etag }) }));
        return Buffer.from(await out.Body!.transformToByteArray());
      } catch (error) {
        if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412) throw conflict('attachment_changed', `The file at ${key} was replaced while the message was being sent; send it again.`);
        throw error;
      }
    },
  };
}

/** RFC 6266: an ASCII fallback and the name as written (RFC 8187). */
const contentDisposition = (fileName: string) =>
  `attachment; filename="${fileName.replace(/[^\x20-\x7e]|["\\]/g, '_')}"; filename*=UTF-8''${encodeURIComponent(fileName).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;

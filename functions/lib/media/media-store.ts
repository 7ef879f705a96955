import type { Config } from '../config';
import { lazyS3 } from './s3';

/** Presigned URLs for client images: the API never carries the bytes (DESIGN §3 Clients). */
export interface MediaStore {
  /** A PUT URL valid for `expiresIn` seconds that accepts exactly this type and length. */
  uploadUrl(key: string, contentType: string, contentLength: number, expiresIn: number): Promise<string>;
  downloadUrl(key: string, expiresIn: number): Promise<string>;
}

/** Signs with the lazily loaded S3 SDK (s3.ts): only the two image routes sign. */
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
    async downloadUrl(key, expiresIn) {
      const { s3, s3sdk, getSignedUrl } = await load();
      return getSignedUrl(s3, new s3sdk.GetObjectCommand({ Bucket: cfg.MEDIA_BUCKET, Key: key }), { expiresIn });
    },
  };
}

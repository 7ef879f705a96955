import { GetObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import type { Config } from '../config';

/** Presigned URLs for client images: the API never carries the bytes (DESIGN §3 Clients). */
export interface MediaStore {
  /** A PUT URL valid for `expiresIn` seconds that accepts exactly this type and length. */
  uploadUrl(key: string, contentType: string, contentLength: number, expiresIn: number): Promise<string>;
  downloadUrl(key: string, expiresIn: number): Promise<string>;
}

export function createMediaStore(cfg: Pick<Config, 'AWS_REGION' | 'S3_ENDPOINT' | 'MEDIA_BUCKET'>): MediaStore {
  const s3 = new S3Client({
    region: cfg.AWS_REGION,
    ...(cfg.S3_ENDPOINT && {
      endpoint: cfg.S3_ENDPOINT,
      forcePathStyle: true,
      // s3rver's fixed local credentials; never a real profile in local mode.
      credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
    }),
  });
  return {
    // Content type and length are signed: an upload of another type or size is refused by S3.
    uploadUrl: (key, contentType, contentLength, expiresIn) =>
      getSignedUrl(s3, new PutObjectCommand({ Bucket: cfg.MEDIA_BUCKET, Key: key, ContentType: contentType, ContentLength: contentLength }), {
        expiresIn,
        signableHeaders: new Set(['content-type', 'content-length']),
      }),
    downloadUrl: (key, expiresIn) => getSignedUrl(s3, new GetObjectCommand({ Bucket: cfg.MEDIA_BUCKET, Key: key }), { expiresIn }),
  };
}

import type { Config } from '../config';

/** Presigned URLs for client images: the API never carries the bytes (DESIGN §3 Clients). */
export interface MediaStore {
  /** A PUT URL valid for `expiresIn` seconds that accepts exactly this type and length. */
  uploadUrl(key: string, contentType: string, contentLength: number, expiresIn: number): Promise<string>;
  downloadUrl(key: string, expiresIn: number): Promise<string>;
}

/**
 * The S3 SDK and its presigner load on the first URL signed (imported dynamically, so the bundle
 * keeps them lazy): only the two image routes sign, and every other route's cold start skips
 * ~100 ms of SDK (npm run bench:cold). The client is built once per process.
 */
export function createMediaStore(cfg: Pick<Config, 'AWS_REGION' | 'S3_ENDPOINT' | 'MEDIA_BUCKET'>): MediaStore {
  let sdk: Promise<{ s3: import('@aws-sdk/client-s3').S3Client; s3sdk: typeof import('@aws-sdk/client-s3'); getSignedUrl: typeof import('@aws-sdk/s3-request-presigner').getSignedUrl }> | undefined;
  const load = () =>
    (sdk ??= Promise.all([import('@aws-sdk/client-s3'), import('@aws-sdk/s3-request-presigner')]).then(([s3sdk, presigner]) => ({
      s3sdk,
      getSignedUrl: presigner.getSignedUrl,
      s3: new s3sdk.S3Client({
        region: cfg.AWS_REGION,
        ...(cfg.S3_ENDPOINT && {
          endpoint: cfg.S3_ENDPOINT,
          forcePathStyle: true,
          // s3rver's fixed local credentials; never a real profile in local mode.
          credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
        }),
      }),
    })));
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

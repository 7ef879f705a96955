import type { Config } from '../config';

export interface S3Sdk {
  s3: import('@aws-sdk/client-s3').S3Client;
  s3sdk: typeof import('@aws-sdk/client-s3');
  getSignedUrl: typeof import('@aws-sdk/s3-request-presigner').getSignedUrl;
}

/**
 * The S3 SDK and its presigner, loaded on first use (imported dynamically, so the bundle keeps
 * them lazy): only routes that sign or move files pay ~100 ms of SDK at cold start (npm run
 * bench:cold). The client is built once per loader.
 */
export function lazyS3(cfg: Pick<Config, 'AWS_REGION' | 'S3_ENDPOINT'>): () => Promise<S3Sdk> {
  let sdk: Promise<S3Sdk> | undefined;
  return () =>
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
}

import { Readable } from 'node:stream';
import type { Config } from '../config';
import { lazyS3 } from '../media/s3';

/**
 * Files of imports and exports in S3 (DESIGN §10): the API signs URLs, the worker streams. A file
 * is never read or written whole: reads are the object's body stream, writes a multipart upload
 * fed chunk by chunk (lib-storage), so memory stays flat whatever the file's size.
 */
export interface DataFiles {
  /** A PUT URL for exactly `size` bytes, valid `expiresIn` seconds. */
  uploadUrl(key: string, size: number, expiresIn: number): Promise<string>;
  /** A GET URL that downloads as `fileName`. */
  downloadUrl(key: string, expiresIn: number, fileName: string): Promise<string>;
  head(key: string): Promise<{ size: number; etag: string } | undefined>;
  /** The object's bytes as they arrive; `etag` refuses a file replaced since it was checked. */
  read(key: string, etag?: string): Promise<AsyncIterable<Uint8Array>>;
  write(key: string, body: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>, contentType: string): Promise<{ size: number }>;
  /** Keys under a prefix, in key order. */
  list(prefix: string): Promise<string[]>;
}

/** The object changed between the check and the read (S3 412): the import fails rather than mix two files. */
export class FileChangedError extends Error {
  override readonly name = 'FileChangedError';
}

export function createDataFiles(cfg: Pick<Config, 'AWS_REGION' | 'S3_ENDPOINT' | 'MEDIA_BUCKET'>): DataFiles {
  const load = lazyS3(cfg);
  const Bucket = cfg.MEDIA_BUCKET;
  return {
    async uploadUrl(key, size, expiresIn) {
      const { s3, s3sdk, getSignedUrl } = await load();
      return getSignedUrl(s3, new s3sdk.PutObjectCommand({ Bucket, Key: key, ContentLength: size }), { expiresIn, signableHeaders: new Set(['content-length']) });
    },
    async downloadUrl(key, expiresIn, fileName) {
      const { s3, s3sdk, getSignedUrl } = await load();
      return getSignedUrl(s3, new s3sdk.GetObjectCommand({ Bucket, Key: key, ResponseContentDisposition: `attachment; filename="${fileName.replace(/[^\w.-]/g, '_')}"` }), { expiresIn });
    },
    async head(key) {
      const { s3, s3sdk } = await load();
      try {
        const out = await s3.send(new s3sdk.HeadObjectCommand({ Bucket, Key: key }));
        return { size: out.ContentLength ?? 0, etag: out.ETag ?? '' };
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
    },
    async read(key, etag) {
      const { s3, s3sdk } = await load();
      try {
        const out = await s3.send(new s3sdk.GetObjectCommand({ Bucket, Key: key, ...(etag && { IfMatch: etag }) }));
        return out.Body as Readable;
      } catch (error) {
        if ((error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode === 412) throw new FileChangedError(`${key} changed since it was checked`);
        throw error;
      }
    },
    async write(key, body: AsyncIterable<string | Uint8Array> | Iterable<string | Uint8Array>, contentType) {
      const [{ s3 }, { Upload }] = await Promise.all([load(), import('@aws-sdk/lib-storage')]);
      let size = 0;
      const counted = Readable.from(
        (async function* () {
          for await (const chunk of body) {
            const bytes = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
            size += bytes.length;
            yield bytes;
          }
        })(),
      );
      // 5 MiB parts, two in flight: a few MiB of memory for any size of file.
      await new Upload({ client: s3, params: { Bucket, Key: key, Body: counted, ContentType: contentType }, partSize: 5 * 1024 * 1024, queueSize: 2 }).done();
      return { size };
    },
    async list(prefix) {
      const { s3, s3sdk } = await load();
      const out: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(new s3sdk.ListObjectsV2Command({ Bucket, Prefix: prefix, ContinuationToken: token }));
        for (const o of page.Contents ?? []) if (o.Key) out.push(o.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return out.sort();
    },
  };
}

const isMissing = (error: unknown) => {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === 'NotFound' || e.name === 'NoSuchKey' || e.$metadata?.httpStatusCode === 404;
};

import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error s3rver ships no type declarations; the three calls used here are typed below.
import S3rverModule from 's3rver';

interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
const S3rver = S3rverModule as new (opts: Record<string, unknown>) => S3rverInstance;

/**
 * S3 on loopback (s3rver) for client images. Presigned URLs are made by the same SDK presigner as
 * in AWS; s3rver stores what is PUT to them. It does not check signatures, so signature checking is
 * proven only in AWS — the local stack is not a security boundary.
 */
export async function startLocalS3(opts: { dataDir?: string; bucket: string }): Promise<{ endpoint: string; stop(): Promise<void> }> {
  const directory = opts.dataDir ? join(opts.dataDir, 's3') : mkdtempSync(join(tmpdir(), 'crm-s3-'));
  mkdirSync(directory, { recursive: true });
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: [{ name: opts.bucket }] });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stop: async () => {
      await server.close();
      if (!opts.dataDir) rmSync(directory, { recursive: true, force: true });
    },
  };
}

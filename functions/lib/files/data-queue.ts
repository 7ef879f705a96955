import { z } from 'zod';

/**
 * The queue that carries imports and exports forward one step at a time (DESIGN §10): SQS in AWS
 * (the data worker consumes it), an in-process queue locally (scripts/local/data-queue.ts). Every
 * step is safe to deliver twice: it acts only if the job is where the message says.
 */
export const DataJobMessage = z.strictObject({
  tenantId: z.string().min(1),
  kind: z.enum(['import', 'export']),
  id: z.string().min(1),
  /** import: scan (read the file through) → apply from a row (a chunk) → finish (the error file); export: run. */
  step: z.enum(['scan', 'apply', 'finish', 'run']),
  fromRow: z.int().min(1).optional(),
});
export type DataJobMessage = z.infer<typeof DataJobMessage>;

/** Receives of one step before it is given up: the last one marks its job failed (functions/queues/data-jobs.ts). */
export const DATA_MAX_RECEIVES = 5;

export interface DataQueue {
  send(message: DataJobMessage): Promise<void>;
}

let local: DataQueue | undefined;

/** The local stack's queue (or a test's); without one, SQS at DATA_QUEUE_URL. */
export function installDataQueue(queue: DataQueue | undefined): void {
  local = queue;
}

export function createDataQueue(cfg: { AWS_REGION: string }): DataQueue {
  let sqs: Promise<{ client: import('@aws-sdk/client-sqs').SQSClient; sdk: typeof import('@aws-sdk/client-sqs') }> | undefined;
  return {
    async send(message) {
      if (local) return local.send(message);
      const url = process.env.DATA_QUEUE_URL;
      if (!url) throw new Error('DATA_QUEUE_URL is required to queue an import or export');
      const { client, sdk } = await (sqs ??= import('@aws-sdk/client-sqs').then((sdk) => ({ sdk, client: new sdk.SQSClient({ region: cfg.AWS_REGION }) })));
      await client.send(new sdk.SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify(message) }));
    },
  };
}

import { z } from 'zod';

/**
 * The queue between a hook's `202` and the processing of what it received (DESIGN §9): SQS in AWS
 * (the inbound worker consumes it), in-process locally. A message names a stored delivery; the
 * worker acts only on a delivery still `queued`, so a message delivered twice processes it once.
 */
export const InboundMessage = z.strictObject({
  tenantId: z.string().min(1),
  connectionId: z.string().min(1),
  deliveryId: z.string().min(1),
});
export type InboundMessage = z.infer<typeof InboundMessage>;

/** Receives of a delivery before it is marked failed for good (a provider API down for minutes is retried). */
export const INBOUND_MAX_RECEIVES = 5;

export interface InboundQueue {
  send(message: InboundMessage): Promise<void>;
}

let local: InboundQueue | undefined;

export function installInboundQueue(queue: InboundQueue | undefined): void {
  local = queue;
}

export function createInboundQueue(region: string): InboundQueue {
  let sqs: Promise<{ client: import('@aws-sdk/client-sqs').SQSClient; sdk: typeof import('@aws-sdk/client-sqs') }> | undefined;
  return {
    async send(message) {
      if (local) return local.send(message);
      const url = process.env.INBOUND_QUEUE_URL;
      if (!url) throw new Error('INBOUND_QUEUE_URL is required to queue a delivery');
      const { client, sdk } = await (sqs ??= import('@aws-sdk/client-sqs').then((sdk) => ({ sdk, client: new sdk.SQSClient({ region }) })));
      await client.send(new sdk.SendMessageCommand({ QueueUrl: url, MessageBody: JSON.stringify(message) }));
    },
  };
}

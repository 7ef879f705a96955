import { randomUUID } from 'node:crypto';
import type { SQSEvent } from 'aws-lambda';
import { DATA_MAX_RECEIVES, type DataJobMessage, type DataQueue } from '../../functions/lib/files/data-queue';
import { logger } from '../../functions/lib/logger';
import { lambdaContext } from './lambda-context';
import type { SqsHandler } from './local-bus';
import { loadHandler } from './load-handler';

export const DATA_WORKER_ENTRY = 'functions/queues/data-jobs.ts';

/**
 * The local data queue: SQS and the data worker Lambda in one process. Messages are handed to the
 * worker's real handler as SQSEvents, one at a time (a step streams a file: one is enough for a
 * laptop); a failed message comes back after a short delay, as after SQS's visibility timeout,
 * until `maxReceiveCount`, then it is logged and dropped (POST /v1/imports/{id}/start re-queues a
 * stalled job's step).
 */
export interface LocalQueue<M> {
  send(message: M): Promise<void>;
  /** Resolves when nothing is queued or running (tests). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export interface LocalDataQueue extends DataQueue {
  /** Resolves when nothing is queued or running (tests). */
  idle(): Promise<void>;
  stop(): Promise<void>;
}

export function startLocalDataQueue(opts: { maxReceiveCount?: number; retryDelayMs?: number; handler?: SqsHandler } = {}): LocalDataQueue {
  return startLocalQueue<DataJobMessage>({ entry: DATA_WORKER_ENTRY, name: 'data-jobs', maxReceiveCount: DATA_MAX_RECEIVES, ...opts });
}

/**
 * An SQS queue and its consumer Lambda in one process: `concurrency` messages at a time (default
 * one), a failed one back after a delay until its receives run out (the data queue; the inbound
 * queue of #13, which like SQS's event source runs several invocations side by side).
 */
export function startLocalQueue<M>(opts: { entry: string; name: string; maxReceiveCount: number; retryDelayMs?: number; handler?: SqsHandler; concurrency?: number }): LocalQueue<M> {
  const maxReceiveCount = opts.maxReceiveCount;
  const queue: { message: M; receiveCount: number; messageId: string }[] = [];
  let handler: Promise<SqsHandler> | undefined;
  const running = new Set<Promise<void>>();
  const width = opts.concurrency ?? 1;
  let waiting = 0;
  let stopped = false;
  const idlers: (() => void)[] = [];

  const drain = async () => {
    while (queue.length > 0 && !stopped) {
      const entry = queue.shift()!;
      entry.receiveCount += 1;
      const event: SQSEvent = {
        Records: [
          {
            messageId: entry.messageId,
            receiptHandle: entry.messageId,
            body: JSON.stringify(entry.message),
            attributes: { ApproximateReceiveCount: String(entry.receiveCount), SentTimestamp: String(Date.now()), SenderId: 'local', ApproximateFirstReceiveTimestamp: String(Date.now()) },
            messageAttributes: {},
            md5OfBody: '',
            eventSource: 'aws:sqs',
            eventSourceARN: `arn:aws:sqs:local:000000000000:${opts.name}`,
            awsRegion: 'local',
          },
        ],
      };
      let failed: string | undefined;
      try {
        const out = await (await (handler ??= opts.handler ? Promise.resolve(opts.handler) : loadHandler<SqsHandler>(opts.entry)))(event, lambdaContext(opts.name));
        if (out && out.batchItemFailures.length > 0) failed = 'listed in batchItemFailures';
      } catch (error) {
        failed = error instanceof Error ? error.message : String(error);
      }
      if (!failed) continue;
      if (entry.receiveCount >= maxReceiveCount) {
        logger.error(`${opts.name} message dropped after its receives`, { ...(entry.message as object), receiveCount: entry.receiveCount, reason: failed });
        continue;
      }
      waiting += 1;
      setTimeout(() => {
        waiting -= 1;
        queue.push(entry);
        kick();
      }, opts.retryDelayMs ?? 200 * entry.receiveCount).unref();
    }
  };
  const kick = () => {
    while (!stopped && running.size < width && queue.length > running.size) {
      const lane: Promise<void> = drain().finally(() => {
        running.delete(lane);
        if (running.size === 0 && queue.length === 0 && waiting === 0) for (const done of idlers.splice(0)) done();
        else if (queue.length > 0) kick();
      });
      running.add(lane);
    }
  };
  return {
    async send(message) {
      queue.push({ message, receiveCount: 0, messageId: randomUUID() });
      // After the sender's own write has settled: SQS delivers asynchronously too.
      setImmediate(kick);
    },
    idle: () => (queue.length === 0 && running.size === 0 && waiting === 0 ? Promise.resolve() : new Promise<void>((resolve) => idlers.push(resolve))),
    async stop() {
      stopped = true;
      await Promise.all(running);
    },
  };
}

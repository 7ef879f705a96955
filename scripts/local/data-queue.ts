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
  /** `delaySeconds`: the message is received that much later (SQS's DelaySeconds; the webhook retries'). */
  send(message: M, opts?: { delaySeconds?: number }): Promise<void>;
  /** Resolves when nothing is queued, running or delayed (tests); held messages are not waited for. */
  idle(): Promise<void>;
  stop(): Promise<void>;
  /**
   * Tests: delayed messages are held instead of timed, until `releaseDue` — so a test that moves
   * the clock (a fake `Date`) hands over what came due by then, with nothing racing its real time.
   */
  holdDelays(): void;
  /** Held messages due by `now` (default: `Date.now()`, a test's fake clock), oldest due first, received now; how many. */
  releaseDue(now?: number): number;
  /** When the first held message is due (ms since the epoch), if any. */
  nextDue(): number | undefined;
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
  const timers = new Set<NodeJS.Timeout>();
  let hold = false;
  const held: { entry: (typeof queue)[number]; dueAt: number }[] = [];
  const notifyIdle = () => {
    if (running.size === 0 && queue.length === 0 && waiting === 0) for (const done of idlers.splice(0)) done();
  };
  /** Back on the queue after `ms` (unref'd: a pending retry does not keep the process up; fake timers drive it). */
  const later = (entry: (typeof queue)[number], ms: number) => {
    if (hold) {
      held.push({ entry, dueAt: Date.now() + ms });
      held.sort((a, b) => a.dueAt - b.dueAt);
      return;
    }
    waiting += 1;
    const timer = setTimeout(() => {
      timers.delete(timer);
      waiting -= 1;
      queue.push(entry);
      kick();
    }, ms);
    timer.unref();
    timers.add(timer);
  };

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
      later(entry, opts.retryDelayMs ?? 200 * entry.receiveCount);
    }
  };
  const kick = () => {
    while (!stopped && running.size < width && queue.length > running.size) {
      const lane: Promise<void> = drain().finally(() => {
        running.delete(lane);
        if (queue.length > 0) kick();
        else notifyIdle();
      });
      running.add(lane);
    }
  };
  return {
    async send(message, { delaySeconds = 0 } = {}) {
      const entry = { message, receiveCount: 0, messageId: randomUUID() };
      if (delaySeconds > 0) return later(entry, delaySeconds * 1000);
      queue.push(entry);
      // After the sender's own write has settled: SQS delivers asynchronously too.
      setImmediate(kick);
    },
    idle: () => (queue.length === 0 && running.size === 0 && waiting === 0 ? Promise.resolve() : new Promise<void>((resolve) => idlers.push(resolve))),
    async stop() {
      stopped = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      waiting = 0;
      await Promise.all(running);
      notifyIdle();
    },
    holdDelays() {
      hold = true;
    },
    releaseDue(now = Date.now()) {
      const due = held.filter((h) => h.dueAt <= now);
      held.splice(0, due.length);
      queue.push(...due.map((h) => h.entry));
      if (due.length > 0) setImmediate(kick);
      return due.length;
    },
    nextDue: () => held[0]?.dueAt,
  };
}

import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { toBusEntry, type BusEntry, type BusEvent } from '../../events/bus';
import type { DomainEvent } from '../../events/contract';
import { assertSupportedPattern, matchesPattern } from '../../events/pattern';
import { rules as deployedRules, type RuleDefinition } from '../../events/rules';
import type { EventBus } from '../../functions/lib/bus/event-bus';
import { logger } from '../../functions/lib/logger';
import { appendLines } from '../replay/dlq-file';
import { lambdaContext } from './lambda-context';
import { loadHandler as importHandler } from './load-handler';

/**
 * The local EventBridge + SQS + Lambda: each published event is matched against the SAME rule
 * patterns CDK deploys (events/rules.ts) and queued for every matching rule; each rule's target
 * handler gets real SQSEvents of up to `batchSize` messages. Failed messages (thrown batch, or
 * listed in `batchItemFailures`) come back after a short backoff until `maxReceiveCount`
 * receives, then go to `<dlqDir>/<rule>.jsonl` with the reason.
 *
 * Like Lambda, one target module handles one batch at a time (Powertools processors are
 * per-invocation state). Queues live in memory: `stop()` delivers what is queued first and
 * dead-letters whatever still fails to arrive, so nothing disappears silently.
 *
 * `redeliver` is `npm run replay` for a rule (scripts/replay/local.ts): dead-lettered bodies are
 * sent to that rule's queue again, as new messages (as SendMessage to the source queue does in
 * AWS), with the same retries and dead-lettering, and each one's fate is reported.
 */
export type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse | void>;

export interface LocalBusOptions {
  dlqDir: string;
  rules?: readonly RuleDefinition[];
  region?: string;
  account?: string;
  /** Delay before the n-th receive of a failed message (n ≥ 2). */
  retryDelayMs?: (receiveCount: number) => number;
  loadHandler?: (entry: string) => Promise<SqsHandler>;
  /** How long `stop()` waits for queued messages before dead-lettering them. */
  stopTimeoutMs?: number;
}

export interface DeadLetter {
  rule: string;
  failedAt: string;
  receiveCount: number;
  reason: string;
  messageId: string;
  body: string;
}

/** What became of one redelivered message. */
export interface Redelivery {
  messageId: string;
  /** `dead-lettered`: it failed again and is a new line of the rule's dead-letter file. */
  outcome: 'delivered' | 'dead-lettered' | 'dead-letter-write-failed';
  receiveCount: number;
  reason?: string;
}

export interface LocalBus extends EventBus {
  /**
   * Queues `bodies` (EventBridge events as the rule's queue receives them) for `ruleName` only,
   * as if the bus had routed them there; resolves, in order, with each one's fate once it was
   * delivered or dead-lettered again.
   */
  redeliver(ruleName: string, bodies: readonly string[]): Promise<Redelivery[]>;
  /** PutEvents of entries that are not domain events (job requests): matched against the rules like any event. */
  putEntries(entries: readonly BusEntry[]): Promise<void>;
  /** Resolves once every accepted event is delivered or dead-lettered. */
  idle(): Promise<void>;
  stop(): Promise<void>;
  dlqFile(ruleName: string): string;
}

interface Message {
  messageId: string;
  body: string;
  sentAt: number;
  firstReceivedAt?: number;
  receiveCount: number;
  /** Set for redelivered messages: told what became of it. */
  settle?: (fate: Redelivery) => void;
}

interface RuleQueue {
  rule: RuleDefinition;
  arn: string;
  ready: Message[];
  delayed: Map<Message, NodeJS.Timeout>;
  pumping: boolean;
}

const defaultDelay = (receiveCount: number) => Math.min(2_000, 100 * 2 ** (receiveCount - 2));

export function startLocalBus(opts: LocalBusOptions): LocalBus {
  const region = opts.region ?? 'ap-south-1';
  const account = opts.account ?? '000000000000';
  const delay = opts.retryDelayMs ?? defaultDelay;
  const load = opts.loadHandler ?? ((entry: string) => importHandler<SqsHandler>(entry));
  const ruleList = opts.rules ?? deployedRules;
  for (const rule of ruleList) assertSupportedPattern(rule.eventPattern);

  const queues = ruleList.map<RuleQueue>((rule) => ({
    rule,
    arn: `arn:aws:sqs:${region}:${account}:${rule.name}`,
    ready: [],
    delayed: new Map(),
    pumping: false,
  }));
  const handlers = new Map<string, Promise<SqsHandler>>();
  /** One batch at a time per target module. */
  const entryLocks = new Map<string, Promise<unknown>>();
  const dlqWrites = new Set<Promise<void>>();
  let waiters: (() => void)[] = [];
  let stopped = false;

  const busy = () => queues.some((q) => q.ready.length > 0 || q.delayed.size > 0 || q.pumping) || dlqWrites.size > 0;
  const settle = () => {
    if (busy()) return;
    const resolved = waiters;
    waiters = [];
    resolved.forEach((w) => w());
  };

  const handlerFor = (entry: string) => {
    let handler = handlers.get(entry);
    if (!handler) {
      handler = load(entry);
      handler.catch(() => handlers.delete(entry));
      handlers.set(entry, handler);
    }
    return handler;
  };

  function deadLetter(q: RuleQueue, message: Message, reason: string) {
    const line: DeadLetter = { rule: q.rule.name, failedAt: new Date().toISOString(), receiveCount: message.receiveCount, reason, messageId: message.messageId, body: message.body };
    logger.error('local bus: message dead-lettered', { rule: q.rule.name, messageId: message.messageId, reason });
    const fate = (outcome: Redelivery['outcome']) => message.settle?.({ messageId: message.messageId, outcome, receiveCount: message.receiveCount, reason });
    const write = appendLines(bus.dlqFile(q.rule.name), [JSON.stringify(line)])
      .then(
        () => fate('dead-lettered'),
        (error: unknown) => {
          logger.error('local bus: cannot write dead letter', { error });
          fate('dead-letter-write-failed');
        },
      )
      .finally(() => {
        dlqWrites.delete(write);
        settle();
      });
    dlqWrites.add(write);
  }

  async function deliver(q: RuleQueue, batch: Message[]) {
    const now = Date.now();
    for (const m of batch) {
      m.receiveCount += 1;
      m.firstReceivedAt ??= now;
    }
    let failed: Message[];
    let reason: string;
    try {
      const handler = await handlerFor(q.rule.target.entry);
      const previous = entryLocks.get(q.rule.target.entry) ?? Promise.resolve();
      const run = previous.then(() => handler({ Records: batch.map((m) => sqsRecordOf(m, q.arn, region)) }, lambdaContext(q.rule.name)));
      entryLocks.set(q.rule.target.entry, run.catch(() => undefined));
      const response = await run;
      const ids = (response ?? { batchItemFailures: [] }).batchItemFailures.map((f) => f.itemIdentifier);
      // Lambda fails the whole batch when a reported identifier is not one of its messages.
      const unknown = ids.some((id) => !batch.some((m) => m.messageId === id));
      failed = unknown ? batch : batch.filter((m) => ids.includes(m.messageId));
      reason = unknown ? `batchItemFailures named an unknown message (${ids.join(', ')})` : 'reported in batchItemFailures';
    } catch (error) {
      failed = batch;
      reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    }
    for (const m of batch) if (!failed.includes(m)) m.settle?.({ messageId: m.messageId, outcome: 'delivered', receiveCount: m.receiveCount });
    // Messages that failed together and wait as long become visible together: one timer each
    // (two timers of the same delay may fire in different rounds, splitting the batch).
    const waiting = new Map<number, Message[]>();
    for (const m of failed) {
      if (m.receiveCount >= q.rule.target.maxReceiveCount) {
        deadLetter(q, m, `${reason} (received ${m.receiveCount} times)`);
      } else {
        const ms = delay(m.receiveCount + 1);
        waiting.set(ms, [...(waiting.get(ms) ?? []), m]);
      }
    }
    for (const [ms, group] of waiting) {
      const timer = setTimeout(() => {
        for (const m of group) q.delayed.delete(m);
        q.ready.push(...group);
        // Pump after this round of timers, so messages that become visible together are received together.
        setImmediate(() => void pump(q));
      }, ms);
      for (const m of group) q.delayed.set(m, timer);
    }
  }

  async function pump(q: RuleQueue) {
    if (q.pumping) return;
    q.pumping = true;
    try {
      while (q.ready.length > 0) await deliver(q, q.ready.splice(0, q.rule.target.batchSize));
    } finally {
      q.pumping = false;
      settle();
    }
  }

  const bus: LocalBus = {
    publish: (events: readonly DomainEvent[]) => bus.putEntries(events.map((event) => toBusEntry(event))),

    async putEntries(entries: readonly BusEntry[]) {
      if (stopped) throw new Error('local bus is stopped');
      const delivered = entries.map((entry) => deliveredEntry(entry, { region, account }));
      for (const busEvent of delivered) {
        const body = JSON.stringify(busEvent);
        for (const q of queues) {
          if (matchesPattern(q.rule.eventPattern, busEvent)) q.ready.push({ messageId: randomUUID(), body, sentAt: Date.now(), receiveCount: 0 });
        }
      }
      for (const q of queues) void pump(q);
    },

    async redeliver(ruleName: string, bodies: readonly string[]) {
      if (stopped) throw new Error('local bus is stopped');
      const q = queues.find((candidate) => candidate.rule.name === ruleName);
      if (!q) throw new Error(`the local bus has no rule ${ruleName} (rules: ${queues.map((c) => c.rule.name).join(', ')})`);
      const fates = bodies.map(
        (body) =>
          new Promise<Redelivery>((resolve) => {
            q.ready.push({ messageId: randomUUID(), body, sentAt: Date.now(), receiveCount: 0, settle: resolve });
          }),
      );
      void pump(q);
      return Promise.all(fates);
    },

    idle: () => (busy() ? new Promise<void>((resolve) => waiters.push(resolve)) : Promise.resolve()),

    async stop() {
      if (stopped) return;
      stopped = true;
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), opts.stopTimeoutMs ?? 10_000)));
      const outcome = await Promise.race([bus.idle(), timedOut]);
      clearTimeout(timer);
      if (outcome === 'timeout') {
        for (const q of queues) {
          for (const [m, t] of q.delayed) {
            clearTimeout(t);
            deadLetter(q, m, 'local bus stopped before the message was delivered');
          }
          q.delayed.clear();
          for (const m of q.ready.splice(0)) deadLetter(q, m, 'local bus stopped before the message was delivered');
        }
        await Promise.all([...dlqWrites]);
      }
    },

    dlqFile: (ruleName: string) => join(opts.dlqDir, `${ruleName}.jsonl`),
  };
  return bus;
}

/** The event as EventBridge delivers it to a rule's target: fresh id, whole-second time. */
export function toDeliveredEvent(event: DomainEvent, where: { region: string; account: string }): BusEvent {
  return deliveredEntry(toBusEntry(event), where);
}

/** A PutEvents entry as EventBridge delivers it to a rule's target. */
function deliveredEntry(entry: BusEntry, where: { region: string; account: string }): BusEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: where.account,
    time: entry.Time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: where.region,
    resources: [],
    detail: JSON.parse(entry.Detail) as unknown,
  };
}

/** An SQS record as Lambda's SQS event source hands it over. */
export function sqsRecordOf(message: { messageId: string; body: string; sentAt?: number; firstReceivedAt?: number; receiveCount?: number }, queueArn: string, region = 'ap-south-1'): SQSRecord {
  const sent = message.sentAt ?? Date.now();
  return {
    messageId: message.messageId,
    receiptHandle: randomUUID(),
    body: message.body,
    attributes: {
      ApproximateReceiveCount: String(message.receiveCount ?? 1),
      SentTimestamp: String(sent),
      SenderId: 'AIDAEVENTBRIDGE',
      ApproximateFirstReceiveTimestamp: String(message.firstReceivedAt ?? sent),
    },
    messageAttributes: {},
    md5OfBody: createHash('md5').update(message.body).digest('hex'),
    eventSource: 'aws:sqs',
    eventSourceARN: queueArn,
    awsRegion: region,
  };
}

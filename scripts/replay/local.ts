import { join } from 'node:path';
import type { DynamoDBRecord } from 'aws-lambda';
import { z } from 'zod';
import { streamPublisher } from '../../events/rules';
import { lambdaContext } from '../local/lambda-context';
import { loadHandler } from '../local/load-handler';
import type { DeadLetter, LocalBus } from '../local/local-bus';
import type { StreamHandler } from '../local/stream-poller';
import { readLines, replaceOnce, rewriteLines } from './dlq-file';
import { describeBusEvent, ReplayArgs, STREAM_DLQ_NAME, type LetterView, type ReplayReport } from './report';

/**
 * `npm run replay` on the local stack (issue #8 item 4): the dead letters of `<dataDir>/dlq/`.
 *
 * - `<rule>.jsonl` (scripts/local/local-bus.ts): each body is redelivered to that rule's target
 *   only, through the bus (`redeliver`), with the bus's retries. A delivered one's line is removed;
 *   one that fails again is dead-lettered again by the bus itself, as a new line with the new
 *   reason, and its old line is removed, so it is in the file once.
 * - `stream-publisher.jsonl` (scripts/local/stream-poller.ts): the stored stream records are run
 *   through the stream publisher's handler again, shard by shard in stream order, in batches of
 *   the mapping's size; each record is tried once. A published record's line is removed; a record
 *   that fails again keeps its line, with the new reason, and the records after it are tried on.
 *
 * Lines are matched by their exact text, so lines appended while a replay runs stay. A crash
 * mid-replay leaves the old lines: the next replay sends them again, which the consumers (event
 * ids, deduplication tokens) absorb. Runs where the data directory's engines are: inside the
 * running `npm start` (its control command `replay`), else in this process (replayInThisProcess).
 */
export interface LocalReplayEngines {
  bus: Pick<LocalBus, 'redeliver'>;
  dlqDir: string;
  /** The stream publisher's handler (default: the module the stream poller runs). */
  streamHandler?: () => Promise<StreamHandler>;
}

type Where = ReplayReport['where'];

const RuleDeadLetter = z.object({ rule: z.string(), failedAt: z.string(), receiveCount: z.number(), reason: z.string(), messageId: z.string(), body: z.string() }) satisfies z.ZodType<DeadLetter>;

/** A line of stream-publisher.jsonl: a record that exhausted the mapping's retries. */
const StreamDeadLetter = z.object({
  failedAt: z.string(),
  condition: z.string().optional(),
  reason: z.string(),
  approximateInvokeCount: z.number(),
  streamArn: z.string(),
  shardId: z.string(),
  record: z.looseObject({ eventID: z.string(), eventName: z.string().optional(), dynamodb: z.looseObject({ SequenceNumber: z.string() }) }),
});
type StreamDeadLetter = z.infer<typeof StreamDeadLetter>;

interface Parsed<T> {
  line: string;
  letter: T;
}

/** Replays (or, with `dryRun`, lists) one local dead-letter file. */
export async function replayLocal(engines: LocalReplayEngines, raw: unknown, where: Where = 'running stack'): Promise<ReplayReport> {
  const args = ReplayArgs.parse(raw);
  const file = dlqFile(engines.dlqDir, args.dlq);
  if (args.dryRun) return listLocal(engines.dlqDir, args, where);
  if (running.has(file)) throw new Error(`a replay of ${args.dlq} is already running`);
  running.add(file);
  try {
    return args.dlq === STREAM_DLQ_NAME ? await replayStreamFile(engines, file, where) : await replayRuleFile(engines, args.dlq, file, where);
  } finally {
    running.delete(file);
  }
}

/** The dry run: reads the file, changes nothing, needs no engine. */
export async function listLocal(dlqDir: string, raw: unknown, where: Where): Promise<ReplayReport> {
  const args = ReplayArgs.parse(raw);
  const file = dlqFile(dlqDir, args.dlq);
  const lines = await readLines(file);
  if (args.dlq === STREAM_DLQ_NAME) {
    const { letters, unreadable } = parseLines(lines, StreamDeadLetter);
    return report(args.dlq, file, where, true, letters.map((p) => streamView(p.letter)), unreadable);
  }
  const { letters, unreadable } = parseLines(lines, RuleDeadLetter);
  return report(args.dlq, file, where, true, letters.map((p) => ruleView(p.letter)), unreadable);
}

/** The files a replay is running on: one replay per file at a time. */
const running = new Set<string>();

const dlqFile = (dlqDir: string, name: string) => join(dlqDir, `${name}.jsonl`);

async function replayRuleFile(engines: LocalReplayEngines, rule: string, file: string, where: Where): Promise<ReplayReport> {
  const { letters, unreadable } = parseLines(await readLines(file), RuleDeadLetter);
  const views = letters.map((p) => ruleView(p.letter));
  if (letters.length === 0) return report(rule, file, where, false, views, unreadable);

  const fates = await engines.bus.redeliver(rule, letters.map((p) => p.letter.body));
  const removed: [string, undefined][] = [];
  fates.forEach((fate, i) => {
    const view = views[i]!;
    if (fate.outcome === 'delivered') {
      view.outcome = 'replayed';
      view.detail = `delivered to ${rule}${fate.receiveCount > 1 ? ` at receive ${fate.receiveCount}` : ''}`;
      removed.push([letters[i]!.line, undefined]);
    } else if (fate.outcome === 'dead-lettered') {
      view.outcome = 'failed again';
      view.detail = `${fate.reason ?? 'failed'} — dead-lettered again as message ${fate.messageId}`;
      removed.push([letters[i]!.line, undefined]);
    } else {
      // The bus could not write the new dead letter: the old line is all that is left of it.
      view.outcome = 'failed again';
      view.detail = `${fate.reason ?? 'failed'} — kept in the file as it was`;
    }
  });
  await rewriteLines(file, (current) => replaceOnce(current, removed));
  return report(rule, file, where, false, views, unreadable);
}

async function replayStreamFile(engines: LocalReplayEngines, file: string, where: Where): Promise<ReplayReport> {
  const { letters, unreadable } = parseLines(await readLines(file), StreamDeadLetter);
  const views = letters.map((p) => streamView(p.letter));
  if (letters.length === 0) return report(STREAM_DLQ_NAME, file, where, false, views, unreadable);

  const handler = await (engines.streamHandler ?? (() => loadHandler<StreamHandler>(streamPublisher.entry)))();
  const changes: [string, string | undefined][] = [];
  // Stream order is per shard: each shard's records in the order they were dead-lettered.
  const shards = new Map<string, (Parsed<StreamDeadLetter> & { view: LetterView })[]>();
  letters.forEach((p, i) => {
    const key = `${p.letter.streamArn} ${p.letter.shardId}`;
    const list = shards.get(key) ?? [];
    list.push({ ...p, view: views[i]! });
    shards.set(key, list);
  });
  for (const shard of shards.values()) {
    let pending = shard;
    while (pending.length > 0) {
      const batch = pending.slice(0, streamPublisher.batchSize);
      const { failedAt, reason } = await invoke(handler, batch.map((p) => p.letter.record as unknown as DynamoDBRecord));
      for (const p of batch.slice(0, failedAt)) {
        p.view.outcome = 'replayed';
        p.view.detail = 'published through the stream publisher';
        changes.push([p.line, undefined]);
      }
      if (failedAt === undefined) {
        pending = pending.slice(batch.length);
        continue;
      }
      // The failing record keeps its line, with the new reason; the records after it are tried on
      // (as the mapping moves past a record it sent to the on-failure destination).
      const failed = batch[failedAt]!;
      failed.view.outcome = 'failed again';
      failed.view.detail = `${reason} — kept in the file with this reason`;
      const again: StreamDeadLetter = { ...failed.letter, failedAt: new Date().toISOString(), reason, approximateInvokeCount: failed.letter.approximateInvokeCount + 1 };
      changes.push([failed.line, JSON.stringify(again)]);
      pending = pending.slice(failedAt + 1);
    }
  }
  await rewriteLines(file, (current) => replaceOnce(current, changes));
  const done = report(STREAM_DLQ_NAME, file, where, false, views, unreadable);
  if (views.some((v) => v.outcome === 'replayed')) done.notes.push(`The events published are delivered by the local bus; any a rule's target cannot take lands in ${engines.dlqDir}/<rule>.jsonl.`);
  return done;
}

/**
 * One invocation, read as the mapping reads it (ReportBatchItemFailures): the first failed record,
 * or none. A throw, or an identifier that is not a sequence number of the batch, fails the first.
 */
async function invoke(handler: StreamHandler, records: DynamoDBRecord[]): Promise<{ failedAt?: number; reason: string }> {
  try {
    const response = await handler({ Records: records }, lambdaContext('stream-publisher-replay'));
    const ids = (response ?? { batchItemFailures: [] }).batchItemFailures.map((f) => f.itemIdentifier);
    if (ids.length === 0) return { reason: '' };
    const positions = ids.map((id) => records.findIndex((r) => r.dynamodb?.SequenceNumber === id));
    if (positions.some((p) => p < 0)) return { failedAt: 0, reason: `batchItemFailures named an unknown sequence number (${ids.join(', ')})` };
    return { failedAt: Math.min(...positions), reason: 'reported in batchItemFailures by the stream publisher (which logged its error)' };
  } catch (error) {
    return { failedAt: 0, reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
  }
}

function parseLines<T>(lines: string[], schema: z.ZodType<T>): { letters: Parsed<T>[]; unreadable: ReplayReport['unreadable'] } {
  const letters: Parsed<T>[] = [];
  const unreadable: ReplayReport['unreadable'] = [];
  lines.forEach((line, i) => {
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      unreadable.push({ at: `line ${i + 1}`, error: 'not JSON' });
      return;
    }
    const parsed = schema.safeParse(json);
    if (parsed.success) letters.push({ line, letter: parsed.data });
    else unreadable.push({ at: `line ${i + 1}`, error: `not a dead letter of this file: ${z.prettifyError(parsed.error).replaceAll('\n', '; ')}` });
  });
  return { letters, unreadable };
}

function ruleView(letter: DeadLetter): LetterView {
  return { id: letter.messageId, failedAt: letter.failedAt, receiveCount: letter.receiveCount, reason: letter.reason, event: describeBusEvent(letter.body) };
}

function streamView(letter: StreamDeadLetter): LetterView {
  return { id: letter.record.eventID, failedAt: letter.failedAt, receiveCount: letter.approximateInvokeCount, reason: letter.reason, event: describeStreamRecord(letter.record as unknown as DynamoDBRecord, letter.shardId) };
}

/** "INSERT client c_… (pk …, sk …), sequence … of shard …" */
export function describeStreamRecord(record: DynamoDBRecord, shardId: string): string {
  const image = record.dynamodb?.NewImage ?? record.dynamodb?.OldImage ?? {};
  const keys = record.dynamodb?.Keys ?? {};
  const s = (v: unknown) => (v && typeof v === 'object' && 'S' in v ? String((v as { S: unknown }).S) : undefined);
  const what = [s(image.entity), s(image.id)].filter(Boolean).join(' ');
  const key = Object.entries(keys)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ${s(v) ?? JSON.stringify(v)}`).join(', ');
  return `${record.eventName ?? '?'}${what ? ` ${what}` : ''} (${key || 'no keys'}), sequence ${record.dynamodb?.SequenceNumber ?? '?'} of shard ${shardId}`;
}

function report(dlq: string, source: string, where: Where, dryRun: boolean, letters: LetterView[], unreadable: ReplayReport['unreadable']): ReplayReport {
  return { dlq, source, where, dryRun, letters, unreadable, notes: [] };
}

/**
 * No `npm start` holds the data directory: this process starts the engines a replay needs
 * (DynamoDB Local and chDB over `dataDir`, as withLocalEngines does for a backfill) and a local bus
 * with the deployed rules, so rule targets and the stream publisher run as they do in the stack.
 * A dry run, or a file with nothing in it, starts nothing.
 */
export async function replayInThisProcess(dataDir: string, raw: unknown): Promise<ReplayReport> {
  const args = ReplayArgs.parse(raw);
  const dlqDir = join(dataDir, 'dlq');
  const listed = await listLocal(dlqDir, { ...args, dryRun: true }, 'this process');
  if (args.dryRun || listed.letters.length === 0) return { ...listed, dryRun: args.dryRun };

  // Handlers read these when their adapters are first built, before any handler module loads.
  Object.assign(process.env, { EVENT_BUS_MODE: 'local', ANALYTICS_MODE: 'chdb', CHDB_PATH: join(dataDir, 'chdb') });
  const [{ withLocalEngines }, { installAnalytics }, { installEventBus }, { startLocalBus }] = await Promise.all([
    import('../local/engines'),
    import('../../functions/lib/analytics'),
    import('../../functions/lib/bus'),
    import('../local/local-bus'),
  ]);
  return withLocalEngines(dataDir, async (engines) => {
    Object.assign(process.env, { AWS_REGION: engines.region, TABLE_NAME: engines.tableName, DYNAMODB_ENDPOINT: engines.dynamoEndpoint });
    installAnalytics(engines.analytics);
    const bus = startLocalBus({ dlqDir, region: engines.region });
    installEventBus(bus);
    try {
      return await replayLocal({ bus, dlqDir }, args, 'this process');
    } finally {
      // What the replay published or redelivered is delivered (or dead-lettered) before the engines stop.
      await bus.stop();
      installEventBus(undefined);
      installAnalytics(undefined);
    }
  });
}

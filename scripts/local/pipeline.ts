import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { streamPublisher } from '../../events/rules';
import { installAnalytics } from '../../functions/lib/analytics';
import { openChdb, type ChdbAnalytics } from '../../functions/lib/analytics/analytics.chdb';
import { applyMigrations } from '../../functions/lib/analytics/schema';
import { installEventBus } from '../../functions/lib/bus';
import { installJobQueue } from '../../functions/lib/jobs/job-queue';
import { toJobEntry } from '../../events/jobs';
import { startLocalBus, type LocalBus } from './local-bus';
import { loadHandler } from './load-handler';
import { startLocalScheduler, type LocalScheduler } from './scheduler';
import { startStreamPoller, type StreamHandler, type StreamPoller } from './stream-poller';

/**
 * The local event pipeline (DESIGN §1, right-hand column): chDB for analytics, the stream poller
 * feeding the publisher, the in-process bus feeding the queue consumers, and the scheduler.
 *
 * Files under `dataDir` (a temp dir, removed on stop, when none is given):
 *   chdb/                       the chDB data directory
 *   dlq/<rule>.jsonl            messages a rule's target could not take (local-bus.ts)
 *   dlq/stream-publisher.jsonl  stream records that exhausted their retries (stream-poller.ts)
 *   stream-checkpoints.json     where the poller resumes (only when dataDir is given)
 */
export interface LocalPipelineOptions {
  dataDir?: string;
  dynamoEndpoint: string;
  region: string;
  streamArn: string;
  /** Run the schedules of events/schedules.ts (default true). */
  schedules?: boolean;
}

export interface LocalPipeline {
  dataDir: string;
  dlqDir: string;
  analytics: ChdbAnalytics;
  bus: LocalBus;
  poller: StreamPoller;
  scheduler: LocalScheduler;
  stop(): Promise<void>;
}

export const STREAM_DLQ = 'stream-publisher';

export async function startLocalPipeline(opts: LocalPipelineOptions): Promise<LocalPipeline> {
  const temporary = !opts.dataDir;
  const dataDir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'crm-pipeline-'));
  const chdbPath = join(dataDir, 'chdb');
  const dlqDir = join(dataDir, 'dlq');
  mkdirSync(chdbPath, { recursive: true });

  // Handlers read these when first built; they must be in place before any handler module loads.
  Object.assign(process.env, { EVENT_BUS_MODE: 'local', ANALYTICS_MODE: 'chdb', CHDB_PATH: chdbPath });

  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
    stops.length = 0;
  };
  try {
    const analytics = openChdb(chdbPath);
    installAnalytics(analytics);
    stops.push(async () => {
      installAnalytics(undefined);
      await analytics.close();
      if (temporary) rmSync(dataDir, { recursive: true, force: true });
    });
    await applyMigrations(analytics);

    const bus = startLocalBus({ dlqDir, region: opts.region });
    installEventBus(bus);
    installJobQueue({ request: (requests) => bus.putEntries(requests.map((r) => toJobEntry(r))) });
    stops.push(async () => {
      await bus.stop();
      installEventBus(undefined);
      installJobQueue(undefined);
    });

    const poller = startStreamPoller({
      endpoint: opts.dynamoEndpoint,
      region: opts.region,
      streamArn: opts.streamArn,
      handler: await loadHandler<StreamHandler>(streamPublisher.entry),
      dlqFile: join(dlqDir, `${STREAM_DLQ}.jsonl`),
      ...(!temporary && { checkpointFile: join(dataDir, 'stream-checkpoints.json') }),
    });
    stops.push(poller.stop);

    const scheduler = startLocalScheduler(opts.schedules === false ? { schedules: [] } : {});
    stops.push(scheduler.stop);

    return { dataDir, dlqDir, analytics, bus, poller, scheduler, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** chDB alone, in a temp directory removed on stop, with the fact tables and no facts: for routes that read facts without a pipeline. */
export async function openEmptyAnalytics(): Promise<() => Promise<void>> {
  const dir = mkdtempSync(join(tmpdir(), 'crm-analytics-'));
  Object.assign(process.env, { ANALYTICS_MODE: 'chdb', CHDB_PATH: dir });
  const analytics = openChdb(dir);
  installAnalytics(analytics);
  await applyMigrations(analytics);
  return async () => {
    installAnalytics(undefined);
    await analytics.close();
    rmSync(dir, { recursive: true, force: true });
  };
}

import { randomUUID } from 'node:crypto';
import type { Context } from 'aws-lambda';
import { Cron } from 'croner';
import { schedules as declared, toCronerSchedule, type ScheduledInvocation, type ScheduleDefinition } from '../../events/schedules';
import { logger } from '../../functions/lib/logger';
import { lambdaContext } from './lambda-context';
import { loadHandler as importHandler } from './load-handler';

/**
 * The local EventBridge Scheduler: one croner job per schedule of events/schedules.ts, calling
 * the same handler module with the same ScheduledInvocation. A run still going when the next is
 * due is skipped (one at a time, as a handler that must not overlap expects); a failed run is
 * logged, and the next run comes on schedule.
 */
export type ScheduledHandler = (invocation: ScheduledInvocation, context: Context) => Promise<unknown>;

export interface LocalSchedulerOptions {
  schedules?: readonly ScheduleDefinition[];
  loadHandler?: (entry: string) => Promise<ScheduledHandler>;
}

export interface LocalScheduler {
  /** When each schedule runs next (null: never again). */
  nextRuns(): Record<string, Date | null>;
  /** Runs a schedule now, as if it were due (the replay/debug path). */
  runNow(name: string): Promise<void>;
  stop(): Promise<void>;
}

export function startLocalScheduler(opts: LocalSchedulerOptions = {}): LocalScheduler {
  const list = opts.schedules ?? declared;
  const load = opts.loadHandler ?? ((entry: string) => importHandler<ScheduledHandler>(entry));
  const running = new Set<Promise<void>>();

  async function run(def: ScheduleDefinition, due: Date) {
    const invocation: ScheduledInvocation = { schedule: def.name, scheduledTime: due.toISOString(), executionId: randomUUID(), input: def.input ?? {} };
    try {
      const handler = await load(def.entry);
      await handler(invocation, lambdaContext(def.name));
    } catch (error) {
      logger.error('local scheduler: scheduled run failed', { schedule: def.name, error });
    }
  }

  const track = (p: Promise<void>) => {
    running.add(p);
    void p.finally(() => running.delete(p));
    return p;
  };

  // Built up front so a bad expression fails the start, not the first run.
  const jobs = new Map(
    list.map((def) => {
      const { pattern, options } = toCronerSchedule(def.expression);
      const job = new Cron(pattern, { ...options, timezone: def.timezone, protect: true, unref: true }, async () => {
        // Runs fire on whole seconds; rounding takes out the timer's jitter to give the due time.
        await track(run(def, new Date(Math.round(Date.now() / 1000) * 1000)));
      });
      return [def.name, { def, job }] as const;
    }),
  );

  return {
    nextRuns: () => Object.fromEntries([...jobs].map(([name, { job }]) => [name, job.nextRun()])),
    runNow: async (name) => {
      const found = jobs.get(name);
      if (!found) throw new Error(`no schedule named ${name}`);
      await track(run(found.def, new Date()));
    },
    async stop() {
      for (const { job } of jobs.values()) job.stop();
      await Promise.all([...running]);
    },
  };
}

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { streamPublisher } from '../events/rules';
import { runOnStack } from './local/control';
import { allReplayed, dlqNames, formatReport, ReplayArgs, STREAM_DLQ_NAME, type ReplayReport } from './replay/report';

/**
 * `npm run replay -- <dlq> [--dry-run]`: lists and replays dead letters (DESIGN §8, issue #8 item 4).
 *
 * Locally, the JSONL files under `$CRM_DATA_DIR/dlq` (default `.local/dlq`): through the running
 * `npm start` when there is one (chDB allows one process per data directory), else on engines of
 * its own (scripts/replay/local.ts). With `--aws`, the SQS queues (scripts/replay/aws.ts): a rule's
 * DLQ back to its source queue, or the stream publisher's on-failure pointers re-read from the
 * stream and run through the publisher.
 *
 * Exit status: 0 when everything listed was replayed (or on a dry run), 1 when something is left,
 * 2 for a usage error.
 */
const USAGE = `usage:
  npm run replay -- <dlq> [--dry-run]                                     the local stack (.local/dlq/<dlq>.jsonl)
  npm run replay -- <rule> --aws --dlq-url <url> --source-url <url> [--dry-run]
  npm run replay -- ${STREAM_DLQ_NAME} --aws --dlq-url <url> [--dry-run]          with EVENT_BUS_NAME set
<dlq>: ${dlqNames().join(' | ')}
--aws needs AWS_REGION; --dlq-url is the rule's dead-letter queue (or the stream publisher's on-failure
queue), --source-url the rule's queue the consumer reads.`;

class UsageError extends Error {}

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<number> {
  let report: ReplayReport;
  try {
    report = await run(argv, env);
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    throw error;
  }
  console.log(formatReport(report));
  return allReplayed(report) ? 0 : 1;
}

async function run(argv: string[], env: NodeJS.ProcessEnv): Promise<ReplayReport> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: { 'dry-run': { type: 'boolean', default: false }, aws: { type: 'boolean', default: false }, 'dlq-url': { type: 'string' }, 'source-url': { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) throw new UsageError('npm run replay: lists and replays dead letters.');
  if (positionals.length !== 1) throw new UsageError(positionals.length === 0 ? 'name the dead-letter queue to replay' : `one dead-letter queue at a time (got ${positionals.join(', ')})`);
  const checked = ReplayArgs.safeParse({ dlq: positionals[0], dryRun: values['dry-run'] });
  if (!checked.success) throw new UsageError(z.prettifyError(checked.error));
  const args = checked.data;

  if (!values.aws) {
    if (values['dlq-url'] || values['source-url']) throw new UsageError('--dlq-url and --source-url are for --aws');
    const dataDir = resolve(env.CRM_DATA_DIR ?? '.local');
    const { result } = await runOnStack(dataDir, 'replay', args, async () => (await import('./replay/local')).replayInThisProcess(dataDir, args));
    return result;
  }

  const region = env.AWS_REGION;
  if (!region) throw new UsageError('--aws needs AWS_REGION');
  const dlqUrl = values['dlq-url'];
  if (!dlqUrl) throw new UsageError('--aws needs --dlq-url');
  const [{ SQSClient }, aws] = await Promise.all([import('@aws-sdk/client-sqs'), import('./replay/aws')]);
  const sqs = new SQSClient({ region, maxAttempts: 5 });
  try {
    if (args.dlq === STREAM_DLQ_NAME) {
      if (values['source-url']) throw new UsageError(`${STREAM_DLQ_NAME} has no source queue: its records are read from the stream`);
      if (!args.dryRun && !env.EVENT_BUS_NAME) throw new UsageError(`replaying ${STREAM_DLQ_NAME} publishes to EventBridge: set EVENT_BUS_NAME to the bus (the Crm-Events stack's bus)`);
      if (env.EVENT_BUS_MODE === 'local') throw new UsageError('--aws publishes to EventBridge: unset EVENT_BUS_MODE=local');
      const [{ DynamoDBStreamsClient }, { loadHandler }] = await Promise.all([import('@aws-sdk/client-dynamodb-streams'), import('./local/load-handler')]);
      const streams = new DynamoDBStreamsClient({ region, maxAttempts: 5 });
      try {
        return await aws.replayAwsStream({ sqs, streams, handler: () => loadHandler(streamPublisher.entry) }, { dlqUrl, dryRun: args.dryRun });
      } finally {
        streams.destroy();
      }
    }
    const sourceUrl = values['source-url'];
    if (!sourceUrl && !args.dryRun) throw new UsageError(`replaying ${args.dlq} sends each message back to the rule's queue: give it with --source-url`);
    return await aws.replayAwsRule(sqs, { rule: args.dlq, dlqUrl, sourceUrl: sourceUrl ?? '(none: dry run)', dryRun: args.dryRun });
  } finally {
    sqs.destroy();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.exit(await main(process.argv.slice(2)));
}

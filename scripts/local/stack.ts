import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startDynamoDbLocal, type DynamoDbLocal } from './dynamodb-local';
import { LOCAL_AUDIENCE, LOCAL_ISSUER, loadOrCreateIssuer, newIssuer, type LocalIssuer } from './issuer';
import type { LocalPipeline } from './pipeline';
import { startLocalS3 } from './s3';
import { startLocalDataQueue, startLocalQueue, type LocalDataQueue, type LocalQueue } from './data-queue';
import { INBOUND_MAX_RECEIVES, installInboundQueue, type InboundMessage } from '../../functions/lib/integrations/inbound-queue';
import { installDataQueue } from '../../functions/lib/files/data-queue';
import { installWebhookQueue, WEBHOOK_MAX_RECEIVES } from '../../functions/lib/webhooks/queue';
import type { WebhookQueueMessage } from '../../functions/lib/use-cases/ports';
import { newControl, publishStack, type Control } from './control';
import { startLocalServer, type LocalServer } from './server';
import { SmtpRefusal, startLocalSmtp, type LocalSmtp } from './smtp';
import { ensureIdempotencyTable, ensureTable } from './table';

export const JWKS_PATH = '/.well-known/jwks.json';
export const INBOUND_WORKER_ENTRY = 'functions/queues/inbound.ts';
export const WEBHOOK_SENDER_ENTRY = 'functions/queues/webhook-sender.ts';

export interface LocalStackOptions {
  /** Persist under this directory (npm start); omitted → everything in memory (tests). */
  dataDir?: string;
  port?: number;
  /** The SMTP listener's port (inbound email, #14): 2525 for npm start; 0 (any free port) by default. */
  smtpPort?: number;
  tableName?: string;
  /** Reuse a running DynamoDB Local (tests share one per run). */
  dynamoEndpoint?: string;
  /**
   * The event pipeline (stream poller → publisher → local bus → queue consumers, chDB, scheduler).
   * On by default (npm start); HTTP-only tests turn it off to stay fast.
   */
  pipeline?: boolean;
  /**
   * Without the pipeline, an empty chDB anyway, so the routes that read facts (dashboards, the
   * 360 view's cross-sell) answer as they would before any fact arrived (the attack matrix).
   */
  analytics?: boolean;
  /**
   * The scheduler of events/schedules.ts (the sweep every 15 minutes, the daily jobs). Default: on
   * with a dataDir (npm start), off in memory (tests run jobs themselves, at the instants they choose).
   */
  schedules?: boolean;
}

export interface LocalStack {
  url: string;
  issuer: LocalIssuer;
  dynamoEndpoint: string;
  tableName: string;
  streamArn: string;
  server: LocalServer;
  /** The control channel tools use (scripts/local/control.ts). */
  control: Control;
  /** Present unless started with `pipeline: false`. */
  pipeline?: LocalPipeline;
  /** Where mail is written (.eml files). */
  outboxDir: string;
  /** The in-process data queue (imports, exports): `idle()` waits for it to drain. */
  dataQueue: LocalDataQueue;
  /** The in-process inbound queue (hook deliveries, #13): `idle()` waits for it to drain. */
  inboundQueue: LocalQueue<InboundMessage>;
  /**
   * The in-process webhook queue (#15): the sender's handler, fed by the fan-out and the API.
   * `idle()` waits for it to drain, retries included; a test that moves the clock calls
   * `holdDelays()` and hands over due retries with `releaseDue()`.
   */
  webhookQueue: LocalQueue<WebhookQueueMessage>;
  /**
   * Inbound email (#14): the SMTP listener on loopback, where SES receiving stands in AWS. A
   * message is stored before the listener answers 250, so nothing needs waiting for.
   */
  smtp: LocalSmtp & { replyDomain: string };
  stop(): Promise<void>;
}

/**
 * The product on real engines: DynamoDB Local, the local API server with its JWT issuer.
 * Handlers read their configuration from the environment exactly as in Lambda, so the stack
 * sets it before the first handler module loads.
 */
export async function startLocalStack(opts: LocalStackOptions = {}): Promise<LocalStack> {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  try {
    let dynamo: DynamoDbLocal | undefined;
    if (!opts.dynamoEndpoint) {
      dynamo = await startDynamoDbLocal(opts.dataDir ? { dataDir: join(opts.dataDir, 'dynamodb') } : {});
      stops.push(dynamo.stop);
    }
    const dynamoEndpoint = opts.dynamoEndpoint ?? dynamo!.endpoint;
    const tableName = opts.tableName ?? 'crm';
    const region = 'ap-south-1';
    const ddb = new DynamoDBClient({ region, endpoint: dynamoEndpoint, credentials: { accessKeyId: 'local', secretAccessKey: 'local' } });
    const { streamArn } = await ensureTable(ddb, tableName);
    const idempotencyTableName = `${tableName}-idempotency`;
    await ensureIdempotencyTable(ddb, idempotencyTableName);
    ddb.destroy();

    const mediaBucket = 'crm-media';
    const s3 = await startLocalS3({ ...(opts.dataDir && { dataDir: opts.dataDir }), bucket: mediaBucket });
    stops.push(s3.stop);

    const issuer = opts.dataDir ? loadOrCreateIssuer(opts.dataDir) : newIssuer();
    const outboxDir = opts.dataDir ? join(opts.dataDir, 'outbox') : mkdtempSync(join(tmpdir(), 'crm-outbox-'));
    if (!opts.dataDir) stops.push(async () => rmSync(outboxDir, { recursive: true, force: true }));
    const secretsDir = opts.dataDir ? join(opts.dataDir, 'secrets') : mkdtempSync(join(tmpdir(), 'crm-secrets-'));
    if (!opts.dataDir) stops.push(async () => rmSync(secretsDir, { recursive: true, force: true }));
    // Tools (`npm run backfill`, replay, jobs) reach a running npm start through its control channel.
    const control = newControl();
    const server = await startLocalServer({ port: opts.port ?? 0, documents: { [JWKS_PATH]: () => issuer.jwks() }, control });
    stops.push(server.close);
    Object.assign(process.env, {
      AWS_REGION: region,
      TABLE_NAME: tableName,
      IDEMPOTENCY_TABLE_NAME: idempotencyTableName,
      DYNAMODB_ENDPOINT: dynamoEndpoint,
      AUTH_MODE: 'local',
      JWT_ISSUER: LOCAL_ISSUER,
      JWT_AUDIENCE: LOCAL_AUDIENCE,
      JWKS_URI: `${server.url}${JWKS_PATH}`,
      CURSOR_SECRET: localSecret(opts.dataDir),
      MEDIA_BUCKET: mediaBucket,
      S3_ENDPOINT: s3.endpoint,
      // Mail goes to files: <dataDir>/outbox/*.eml (npm start), a temp directory otherwise.
      MAIL_MODE: 'outbox',
      OUTBOX_DIR: outboxDir,
      // Connections' secrets: files under <dataDir>/secrets (npm start), a temp directory otherwise.
      SECRETS_DIR: secretsDir,
      PUBLIC_BASE_URL: server.url,
      // Where thread and inbox addresses live: the send route writes them, the SMTP listener takes mail for them.
      MAIL_REPLY_DOMAIN: process.env.MAIL_REPLY_DOMAIN ?? 'reply.crm.example',
      // Outbound webhooks (#15) may go to http://127.0.0.1 and localhost here: a developer's receiver
      // (npm run webhook:listen). Never set in AWS; every other private address stays refused.
      WEBHOOKS_ALLOW_LOOPBACK: '1',
    });
    // Imports and exports step through the same worker handler as in AWS, in this process.
    const dataQueue = startLocalDataQueue();
    installDataQueue(dataQueue);
    stops.push(async () => {
      await dataQueue.stop();
      installDataQueue(undefined);
    });
    // Hook deliveries are processed by the same worker handler as in AWS, in this process.
    const inboundQueue = startLocalQueue<InboundMessage>({ entry: INBOUND_WORKER_ENTRY, name: 'inbound', maxReceiveCount: INBOUND_MAX_RECEIVES, concurrency: 4 });
    installInboundQueue(inboundQueue);
    stops.push(async () => {
      await inboundQueue.stop();
      installInboundQueue(undefined);
    });
    // Outbound webhooks are sent by the same sender handler as in AWS, in this process; a retry is a delayed message.
    const webhookQueue = startLocalQueue<WebhookQueueMessage>({ entry: WEBHOOK_SENDER_ENTRY, name: 'webhooks', maxReceiveCount: WEBHOOK_MAX_RECEIVES, concurrency: 8 });
    installWebhookQueue(webhookQueue);
    stops.push(async () => {
      await webhookQueue.stop();
      installWebhookQueue(undefined);
    });
    const smtp = await startInboundSmtp(opts.smtpPort ?? 0);
    stops.push(smtp.stop);
    // After the env above: the pipeline's handlers read it when they load.
    let pipeline: LocalPipeline | undefined;
    if (opts.pipeline !== false) {
      // Loaded only when wanted: chDB's native engine costs ~300 ms and ~200 MB to load.
      const { startLocalPipeline } = await import('./pipeline');
      pipeline = await startLocalPipeline({ ...(opts.dataDir && { dataDir: opts.dataDir }), dynamoEndpoint, region, streamArn, schedules: opts.schedules ?? opts.dataDir !== undefined });
      stops.push(pipeline.stop);
      const engines = { dynamoEndpoint, region, tableName, analytics: pipeline.analytics };
      control.commands.set('backfill', async (args) => (await import('../backfill')).runBackfill(engines, args));
      const { bus, dlqDir } = pipeline;
      control.commands.set('replay', async (args) => (await import('../replay/local')).replayLocal({ bus, dlqDir }, args, 'running stack'));
      control.commands.set('job', async (args) => (await import('../job')).runJobCommand(args));
      control.commands.set('seed', async (args) => {
        const [{ getServices }, { runSeed }] = await Promise.all([import('../../functions/lib/services'), import('../seed')]);
        return runSeed(getServices(), args);
      });
    } else if (opts.analytics) {
      const { openEmptyAnalytics } = await import('./pipeline');
      stops.push(await openEmptyAnalytics());
    }
    if (opts.dataDir) {
      const unpublish = publishStack(opts.dataDir, server.url, control);
      stops.push(async () => unpublish());
    }
    return { url: server.url, issuer, dynamoEndpoint, tableName, streamArn, server, control, outboxDir, dataQueue, inboundQueue, webhookQueue, smtp, ...(pipeline && { pipeline }), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/**
 * The SMTP listener feeding the same use case as the SES Lambda (functions/mail/inbound.ts): a
 * recipient that is neither a valid thread address nor a provisioned tenant's inbox is refused
 * with 550 at RCPT time; a message refused as a whole (too large, no sender) with 552/554.
 */
async function startInboundSmtp(port: number): Promise<LocalSmtp & { replyDomain: string }> {
  // Loaded after the environment is set: the services read it when first built.
  const [{ inboundMailDeps }, { acceptedRecipient, receiveMail }, { InboundMailError }] = await Promise.all([
    import('../../functions/mail/inbound-deps'),
    import('../../functions/lib/use-cases/inbound-email'),
    import('../../functions/lib/mail/inbound-mail'),
  ]);
  const smtp = await startLocalSmtp({
    port,
    acceptRecipient: async (address) => (await acceptedRecipient(await inboundMailDeps(new Date()), address)) !== undefined,
    onMessage: async (raw, envelope) => {
      try {
        await receiveMail(await inboundMailDeps(new Date()), raw, { recipients: envelope.to });
      } catch (error) {
        if (error instanceof InboundMailError) throw new SmtpRefusal(error.code === 'message_too_large' ? 552 : 554, error.message);
        throw error;
      }
    },
  });
  return { ...smtp, replyDomain: process.env.MAIL_REPLY_DOMAIN! };
}

/** The cursor-signing secret: kept under dataDir so cursors survive a restart; random in memory. */
function localSecret(dataDir?: string): string {
  if (!dataDir) return randomBytes(32).toString('base64url');
  const file = join(dataDir, 'cursor-secret');
  if (!existsSync(file)) {
    mkdirSync(dataDir, { recursive: true });
    writeFileSync(file, randomBytes(32).toString('base64url'), { mode: 0o600 });
  }
  return readFileSync(file, 'utf8').trim();
}

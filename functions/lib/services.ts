import { ClickHouseInsights } from './analytics/insights';
import { config } from './config';
import { createIdempotency } from './http/idempotency';
import { createIdentityProvider } from './identity/identity-provider';
import { createMediaStore } from './media/media-store';
import { createDataFiles } from './files/data-files';
import { createDataQueue } from './files/data-queue';
import { DataJobsRepository } from './store/data-jobs.dynamodb';
import { AlertsRepository } from './store/alerts.dynamodb';
import { ClientsRepository } from './store/clients.dynamodb';
import { CursorCodec, parseCursorKeys, type CursorKeySource } from './store/cursor';
import { createDocumentClient, createDynamoClient } from './store/dynamo';
import { PipelineRepository } from './store/pipeline.dynamodb';
import { StaffRepository } from './store/staff.dynamodb';
import { TenantsRepository } from './store/tenants.dynamodb';
import { IntegrationsRepository } from './store/integrations.dynamodb';
import { MessagesRepository } from './store/messages.dynamodb';
import { TimelineRepository } from './store/timeline.dynamodb';
import { UnreadRepository } from './store/unread.dynamodb';
import { InboxRepository } from './store/inbox.dynamodb';
import { WebhooksRepository } from './store/webhooks.dynamodb';
import { SavedReportsRepository } from './store/saved-reports.dynamodb';
import { WebhookLeasesRepository } from './store/webhook-leases.dynamodb';
import { createSecretsStore } from './integrations/secrets';
import { createInboundQueue } from './integrations/inbound-queue';
import { createWebhookQueue } from './webhooks/queue';
import type { Services } from './use-cases/ports';

/**
 * The composition root: SDK clients and repositories built once per process (cold start) and
 * shared by every invocation. Use cases see only the ports (use-cases/ports.ts); the HTTP edge
 * also takes the idempotency store.
 */
function build() {
  const cfg = config();
  const ddb = createDynamoClient(cfg);
  const db = createDocumentClient(ddb);
  const cursors = new CursorCodec(cursorKeys(cfg));
  const services: Services = {
    clients: new ClientsRepository(db, cfg.TABLE_NAME, cursors),
    pipeline: new PipelineRepository(db, cfg.TABLE_NAME, cursors),
    tenants: new TenantsRepository(db, cfg.TABLE_NAME),
    staff: new StaffRepository(db, cfg.TABLE_NAME, cursors),
    identity: createIdentityProvider(cfg),
    media: createMediaStore(cfg),
    // ClickHouse is reached on a dashboard's first read, not at cold start.
    insights: new ClickHouseInsights(async () => (await import('./analytics')).getAnalytics()),
    alerts: new AlertsRepository(db, cfg.TABLE_NAME, cursors),
    dataJobs: new DataJobsRepository(db, cfg.TABLE_NAME, cursors),
    files: createDataFiles(cfg),
    dataQueue: createDataQueue(cfg),
    integrations: new IntegrationsRepository(db, cfg.TABLE_NAME, cursors),
    secrets: createSecretsStore(),
    inboundQueue: createInboundQueue(cfg.AWS_REGION),
    messages: new MessagesRepository(db, cfg.TABLE_NAME, cursors),
    timeline: new TimelineRepository(db, cfg.TABLE_NAME, cursors),
    unread: new UnreadRepository(db, cfg.TABLE_NAME),
    inbox: new InboxRepository(db, cfg.TABLE_NAME, cursors),
    webhooks: new WebhooksRepository(db, cfg.TABLE_NAME, cursors),
    webhookQueue: createWebhookQueue(cfg),
    webhookLeases: new WebhookLeasesRepository(db, cfg.TABLE_NAME),
    savedReports: new SavedReportsRepository(db, cfg.TABLE_NAME, cursors),
  };
  return { services, ddb, db, idempotency: createIdempotency(ddb, cfg.IDEMPOTENCY_TABLE_NAME) };
}

/**
 * The cursor keys: from Secrets Manager in AWS (read on the first page asked for, not at cold
 * start, and never put in the environment), else from the environment (local stack, tests).
 */
export function cursorKeys(cfg: Pick<ReturnType<typeof config>, 'CURSOR_SECRET_ARN' | 'CURSOR_SECRET' | 'CURSOR_SECRET_PREVIOUS' | 'AWS_REGION'>): CursorKeySource {
  const arn = cfg.CURSOR_SECRET_ARN;
  if (arn) {
    return async () => {
      const { GetSecretValueCommand, SecretsManagerClient } = await import('@aws-sdk/client-secrets-manager');
      const { SecretString } = await new SecretsManagerClient({ region: cfg.AWS_REGION }).send(new GetSecretValueCommand({ SecretId: arn }));
      return parseCursorKeys(SecretString, arn);
    };
  }
  return { current: cfg.CURSOR_SECRET!, previous: cfg.CURSOR_SECRET_PREVIOUS };
}

let built: ReturnType<typeof build> | undefined;
const root = () => (built ??= build());

/** What use cases may reach. */
export const getServices = (): Services => root().services;
/** The edge's idempotency store (not a use-case port). */
export const getIdempotency = () => root().idempotency;
/** The SDK clients the repositories share: for the benchmarks' raw replay and the round-trip counts of the tests. */
export const getStoreClients = () => ({ ddb: root().ddb, db: root().db });

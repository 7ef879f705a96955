import { config } from './config';
import { ClientsRepository } from './store/clients.dynamodb';
import { CursorCodec } from './store/cursor';
import { createDocumentClient, createDynamoClient } from './store/dynamo';
import { createIdempotency } from './http/idempotency';
import { createIdentityProvider } from './identity/identity-provider';
import { createMediaStore } from './media/media-store';
import { PipelineRepository } from './store/pipeline.dynamodb';
import { StaffRepository } from './store/staff.dynamodb';
import { TenantsRepository } from './store/tenants.dynamodb';

/**
 * The composition root: SDK clients and repositories built once per process (cold start)
 * and shared by every invocation; handlers take what they need from here.
 */
function build() {
  const cfg = config();
  const ddb = createDynamoClient(cfg);
  const db = createDocumentClient(ddb);
  const cursors = new CursorCodec(cfg.CURSOR_SECRET);
  return {
    ddb,
    db,
    clients: new ClientsRepository(db, cfg.TABLE_NAME),
    pipeline: new PipelineRepository(db, cfg.TABLE_NAME, cursors),
    tenants: new TenantsRepository(db, cfg.TABLE_NAME),
    staff: new StaffRepository(db, cfg.TABLE_NAME, cursors),
    idempotency: createIdempotency(ddb, cfg.IDEMPOTENCY_TABLE_NAME),
    identity: createIdentityProvider(cfg),
    media: createMediaStore(cfg),
  };
}

export type Services = ReturnType<typeof build>;

let services: Services | undefined;
export const getServices = () => (services ??= build());

import { monotonicFactory } from 'ulid';
import { config } from './config';
import { ClientsRepository } from './store/clients.dynamodb';
import { createDocumentClient } from './store/dynamo';
import { TenantsRepository } from './store/tenants.dynamodb';

/**
 * The composition root: SDK clients and repositories built once per process (cold start)
 * and shared by every invocation; handlers take what they need from here.
 */
function build() {
  const cfg = config();
  const db = createDocumentClient(cfg);
  return {
    db,
    clients: new ClientsRepository(db, cfg.TABLE_NAME),
    tenants: new TenantsRepository(db, cfg.TABLE_NAME),
  };
}

let services: ReturnType<typeof build> | undefined;
export const getServices = () => (services ??= build());

const ulid = monotonicFactory();
/** Sortable unique ids; the prefix says what the id names. */
export const newId = (prefix: 'c' | 'o' | 'e' | 'a') => `${prefix}_${ulid().toLowerCase()}`;

/** The QuickBooks Online mapper (DESIGN §9): webhook notifications → entities to read, read entities → canonical records. */
export { parseDelivery, syncedEntities, type SyncedEntity } from './webhook';
export { mapEntity } from './entities';

import { z } from 'zod';
import type { Client } from '../domain/clients/client';
import { defineEvent, type EventContract, type EventOf } from './contract';

export { defineEvent, type DomainEvent, type EventContract, type EventOf } from './contract';

/**
 * Every domain event the system publishes, by name and version. A new event is a contract here,
 * a fixture under events/fixtures/<name>.v<version>.json, and a mapper from the item that causes
 * it (functions/streams/mappers/); the pipeline itself does not change.
 */

// ---- clients -------------------------------------------------------------------------------

const ClientFields = z.object({
  id: z.string().min(1),
  companyName: z.string(),
  ownerName: z.string(),
  mobile: z.string(),
  whatsapp: z.string().optional(),
  email: z.string().optional(),
  address: z.string().optional(),
  landmark: z.string().optional(),
  geo: z.object({ lat: z.number(), lng: z.number() }).optional(),
  imageKey: z.string().optional(),
  createdBy: z.string(),
  createdAt: z.iso.datetime(),
  updatedAt: z.iso.datetime(),
  version: z.number().int().positive(),
});
/** The domain's client must keep satisfying the published shape: renaming or dropping a field fails here. */
type Satisfies<T extends true> = T;
export type ClientContractHolds = Satisfies<Client extends z.infer<typeof ClientFields> ? true : false>;

/** A client as events carry it; fields added later pass through (additive changes are not breaking). */
export const ClientSnapshot = ClientFields.loose();

export const clientCreated = defineEvent('client.created', 1, z.object({ after: ClientSnapshot }));

export const clientUpdated = defineEvent(
  'client.updated',
  1,
  z.object({
    before: ClientSnapshot,
    after: ClientSnapshot,
    /** Top-level fields whose value differs between before and after. */
    changedFields: z.array(z.string()).min(1),
  }),
);

// ---- the catalogue -------------------------------------------------------------------------

export const catalog = [clientCreated, clientUpdated] as const;

export type CatalogEvent = EventOf<(typeof catalog)[number]>;

const byKey = new Map<string, EventContract>(catalog.map((c) => [`${c.name}@${c.version}`, c as unknown as EventContract]));

export class UnknownEventError extends Error {
  override readonly name = 'UnknownEventError';
}

/** A bus event's detail as a typed domain event, checked against its contract (by detail-type and version). */
export function parseDomainEvent(detailType: string, detail: unknown): CatalogEvent {
  const version = typeof detail === 'object' && detail !== null ? (detail as { version?: unknown }).version : undefined;
  const contract = byKey.get(`${detailType}@${String(version)}`);
  if (!contract) throw new UnknownEventError(`no contract for ${detailType} v${String(version)}`);
  return contract.detail.parse(detail) as CatalogEvent;
}

/** The detail-types of some contracts, for rule patterns (`'detail-type': detailTypes(clientCreated)`). */
export const detailTypes = (...contracts: EventContract[]) => [...new Set(contracts.map((c) => c.name))];

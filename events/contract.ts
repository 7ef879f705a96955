import { z } from 'zod';

/**
 * A domain event is a named, versioned contract. Producers and consumers import the contract
 * object (never a string); its `detail` schema is what travels as the EventBridge `detail`, with
 * the name as `detail-type`. Names read `<entity>.<what happened>`; a breaking change is a new
 * version of the same name, published beside the old one until its consumers have moved.
 */
export interface EventContract<Name extends string = string, Version extends number = number, Data extends z.ZodType = z.ZodType> {
  readonly name: Name;
  readonly version: Version;
  /** The entity the event is about: the part of the name before the first dot. */
  readonly entity: string;
  readonly data: Data;
  readonly detail: z.ZodType<DomainEvent<Name, Version, z.output<Data>>>;
  /** A validated event: a producer cannot publish what consumers would refuse. */
  create(fields: EventFields<z.input<Data>>): DomainEvent<Name, Version, z.output<Data>>;
  /** Narrows a parsed event to this contract. */
  is(event: { type: string; version: number }): event is DomainEvent<Name, Version, z.output<Data>>;
}

/** The envelope every event carries, whatever its data. */
export interface DomainEvent<Name extends string = string, Version extends number = number, Data = unknown> {
  /** Deterministic from the change that caused it, so consumers dedupe on it. */
  eventId: string;
  type: Name;
  version: Version;
  tenantId: string;
  entity: string;
  entityId: string;
  /** ISO-8601 UTC, milliseconds. */
  occurredAt: string;
  /** The staff member whose action caused the change, when known. */
  actor?: string;
  data: Data;
}

export interface EventFields<Data> {
  eventId: string;
  tenantId: string;
  entityId: string;
  occurredAt: string;
  actor?: string | undefined;
  data: Data;
}

export type EventOf<C> = C extends EventContract<infer N, infer V, infer D> ? DomainEvent<N, V, z.output<D>> : never;

export function defineEvent<const Name extends string, const Version extends number, Data extends z.ZodType>(name: Name, version: Version, data: Data): EventContract<Name, Version, Data> {
  const entity = name.split('.')[0]!;
  // A tolerant reader: envelope fields added later are dropped, not refused (the data schema decides for its own fields).
  const detail = z.object({
    eventId: z.string().min(1),
    type: z.literal(name),
    version: z.literal(version),
    tenantId: z.string().min(1),
    entity: z.literal(entity),
    entityId: z.string().min(1),
    occurredAt: z.iso.datetime(),
    actor: z.string().min(1).optional(),
    data,
  }) as unknown as z.ZodType<DomainEvent<Name, Version, z.output<Data>>>;
  return {
    name,
    version,
    entity,
    data,
    detail,
    create: ({ actor, ...fields }) => detail.parse({ ...fields, type: name, version, entity, ...(actor !== undefined && { actor }) }),
    is: (event): event is DomainEvent<Name, Version, z.output<Data>> => event.type === name && event.version === version,
  };
}

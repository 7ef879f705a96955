import { z } from 'zod';
import { MAX_RECORDS_PER_DELIVERY, MappingError, type FetchRef, type ParsedDelivery } from '../canonical';
import type { SapEntity } from './entities';

/**
 * SAP S/4HANA business events (SAP Business Accelerator Hub, "Business Partner Events", "Sales
 * Order Events", "Billing Document Events"), delivered by SAP Event Mesh / Advanced Event Mesh
 * webhooks in CloudEvents 1.0 structured mode: one event object, or an array of them (the
 * `application/cloudevents-batch+json` batch). They are notification events: `data` names the
 * changed object by its key (`{"BusinessPartner":"1000667"}`), and the object itself is read
 * from the OData API (functions/lib/integrations/providers/sap.ts). Pure.
 */

/** The event types acted on, by CloudEvents `type`: which entity changed and the data field holding its key. */
const EVENT_TYPES: Record<string, { entity: SapEntity; key: SapEntity }> = {
  'sap.s4.beh.businesspartner.v1.BusinessPartner.Created.v1': { entity: 'BusinessPartner', key: 'BusinessPartner' },
  'sap.s4.beh.businesspartner.v1.BusinessPartner.Changed.v1': { entity: 'BusinessPartner', key: 'BusinessPartner' },
  'sap.s4.beh.salesorder.v1.SalesOrder.Created.v1': { entity: 'SalesOrder', key: 'SalesOrder' },
  'sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1': { entity: 'SalesOrder', key: 'SalesOrder' },
  'sap.s4.beh.billingdocument.v1.BillingDocument.Created.v1': { entity: 'BillingDocument', key: 'BillingDocument' },
};

/** The CloudEvents 1.0 context attributes every event must carry (spec §3.1), and the time and data SAP adds. */
const CloudEvent = z.looseObject({
  specversion: z.literal('1.0'),
  id: z.string().min(1),
  source: z.string().min(1),
  type: z.string().min(1),
  time: z.iso.datetime({ offset: true }).optional(),
  data: z.unknown().optional(),
});
type CloudEvent = z.infer<typeof CloudEvent>;

export function parseDelivery(body: string): ParsedDelivery {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MappingError('malformed_payload', 'The SAP delivery is not JSON: SAP business events arrive as CloudEvents 1.0 JSON.');
  }
  const list = Array.isArray(json) ? json : [json];
  if (list.length > MAX_RECORDS_PER_DELIVERY) throw new MappingError('too_many_records', `The delivery holds ${list.length} events; at most ${MAX_RECORDS_PER_DELIVERY} are taken at once.`);
  const events = list.map((item, i) => {
    const parsed = CloudEvent.safeParse(item);
    if (!parsed.success) {
      const where = Array.isArray(json) ? `Event ${i + 1}` : 'The delivery';
      throw new MappingError('malformed_payload', `${where} is not a CloudEvents 1.0 event (${parsed.error.issues.map((x) => `${x.path.join('.') || 'event'}: ${x.message}`).join('; ')}).`);
    }
    return parsed.data;
  });
  const fetches = new Map<string, FetchRef>();
  const ignored: NonNullable<ParsedDelivery['ignored']> = [];
  for (const event of events) {
    const known = EVENT_TYPES[event.type];
    if (!known) {
      ignored.push({ what: `${event.type} ${event.id}`, reason: 'an SAP event type the CRM does not sync' });
      continue;
    }
    const ref = fetchRef(event, known.entity, known.key);
    // A batch may name an object twice (created, then changed): it is read once, as of the later event.
    const seen = fetches.get(`${ref.entity}:${ref.id}`);
    if (!seen || Date.parse(ref.at ?? '') >= Date.parse(seen.at ?? '')) fetches.set(`${ref.entity}:${ref.id}`, ref);
  }
  return { records: [], fetches: [...fetches.values()], ...(ignored.length > 0 && { ignored }) };
}

function fetchRef(event: CloudEvent, entity: SapEntity, keyField: SapEntity): FetchRef {
  const data = z.looseObject({ [keyField]: z.string().trim().min(1).max(128) }).safeParse(event.data);
  const key = data.success ? data.data[keyField] : undefined;
  if (!key) throw new MappingError('malformed_payload', `The ${event.type} event ${event.id} has no ${keyField} in its data.`);
  // `sap.s4.beh.salesorder.v1.SalesOrder.Changed.v1` → `Changed`.
  const operation = event.type.split('.').at(-2)!;
  return { entity, id: key, operation, ...(event.time && { at: new Date(event.time).toISOString() }) };
}

import { MappingError, MAX_RECORDS_PER_DELIVERY, type CanonicalInput, type ParsedDelivery } from '../canonical';

/**
 * The `generic` provider (DESIGN §9): the canonical records themselves — one, an array of them, or
 * `{"records": [...]}` — so any system, or a connector a customer writes, feeds the CRM without a
 * bespoke mapper. Each record is validated when it is applied: one bad record fails alone.
 */
export function parseDelivery(body: string): ParsedDelivery {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MappingError('malformed_payload', 'The body is not JSON: send a canonical record, an array of them, or {"records": [...]}.');
  }
  const list = Array.isArray(json) ? json : json !== null && typeof json === 'object' && Array.isArray((json as { records?: unknown }).records) ? (json as { records: unknown[] }).records : [json];
  if (list.length === 0) throw new MappingError('malformed_payload', 'The delivery holds no records.');
  if (list.length > MAX_RECORDS_PER_DELIVERY) throw new MappingError('too_many_records', `A delivery holds at most ${MAX_RECORDS_PER_DELIVERY} records; send ${list.length} in several.`);
  if (!list.every((r) => r !== null && typeof r === 'object' && !Array.isArray(r))) throw new MappingError('malformed_payload', 'Every record must be an object with type, externalId and data.');
  return { records: list as CanonicalInput[], fetches: [] };
}

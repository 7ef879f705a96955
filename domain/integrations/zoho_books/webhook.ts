import { z } from 'zod';
import { MappingError, type ParsedDelivery } from '../canonical';
import { mapRecord, recordKeys } from './records';

/**
 * Zoho Books workflow webhooks (DESIGN §9). With the "Default Payload" body, Zoho posts the
 * module's record as JSON under the module's key, as its API answers a read: `{"contact":{…}}`,
 * `{"invoice":{…}}`, `{"payment":{…}}`. The record is mapped as it comes; an invoice sent without
 * its line items is read from the API instead.
 */
export function parseDelivery(body: string): ParsedDelivery {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    throw new MappingError('malformed_payload', 'The Zoho Books webhook body is not JSON (choose "Default Payload" as the webhook body).');
  }
  const object = z.record(z.string(), z.unknown()).safeParse(json);
  if (!object.success) throw new MappingError('malformed_payload', 'The Zoho Books webhook body is not a JSON object.');
  const record = object.data;
  const key = recordKeys.find((k) => typeof record[k] === 'object' && record[k] !== null);
  if (key) return mapRecord(key, record[key]);
  // A workflow of another module (sales orders, bills…) pointed at this hook: nothing here syncs it.
  const [other, ...rest] = Object.keys(record);
  if (other && rest.length === 0 && typeof record[other] === 'object') {
    return { records: [], fetches: [], ignored: [{ what: `Zoho Books ${other}`, reason: `Zoho Books ${other} records are not synced (only ${recordKeys.join(', ')} are).` }] };
  }
  throw new MappingError('malformed_payload', `Not a Zoho Books record: expected one of ${recordKeys.map((k) => `{"${k}":{…}}`).join(', ')}.`);
}

import { z } from 'zod';
import { type FetchRef, MappingError, MAX_RECORDS_PER_DELIVERY, type ParsedDelivery } from '../canonical';

/**
 * QuickBooks Online webhooks (DESIGN §9). A notification names what changed and carries no data:
 * the adapter reads each named Customer, Invoice or Payment from the Accounting API. Intuit sends
 * two shapes and moves apps from the first to the second (mandatory since 2026): the classic
 * `{eventNotifications:[{realmId, dataChangeEvent:{entities:[…]}}]}` and an array of CloudEvents
 * 1.0 (`type: qbo.<entity>.<verb>.v1`, `intuitentityid`, `intuitaccountid`). Both are read here,
 * so a connection keeps working whichever one its app is switched to.
 * Shapes: domain/integrations/quickbooks/fixtures/README.md.
 */

/** The entities the CRM reads: customers become clients, invoices owned products and won deals, payments paid invoices. */
export const syncedEntities = ['Customer', 'Invoice', 'Payment'] as const;
export type SyncedEntity = (typeof syncedEntities)[number];
const isSynced = (name: string): name is SyncedEntity => (syncedEntities as readonly string[]).includes(name);

/** QuickBooks ids (entities and companies) are digits; they go into an API path, so nothing else passes. */
const QbId = z.union([z.string(), z.number()]).transform(String).pipe(z.string().regex(/^\d{1,32}$/, 'must be a QuickBooks id (digits)'));

const ClassicEntity = z.object({
  name: z.string().min(1).max(64),
  id: QbId,
  operation: z.string().min(1).max(32),
  lastUpdated: z.string().max(64).optional(),
});
const ClassicPayload = z.object({
  eventNotifications: z.array(z.object({ realmId: QbId, dataChangeEvent: z.object({ entities: z.array(ClassicEntity) }) })),
});

/** `qbo.customer.created.v1` → entity `customer`, verb `created`. */
const CLOUD_EVENT_TYPE = /^qbo\.([a-z]+)\.([a-z]+)\.v\d+$/;
const CloudEvent = z.object({
  specversion: z.literal('1.0', 'must be "1.0" (CloudEvents 1.0)'),
  id: z.string().min(1).max(255),
  type: z.string().regex(CLOUD_EVENT_TYPE, 'must be qbo.<entity>.<operation>.v<n>'),
  time: z.string().max(64).optional(),
  intuitentityid: QbId,
  intuitaccountid: QbId,
});
const CloudEventsPayload = z.array(CloudEvent);

/** A CloudEvent names entities in lower case; the API and the classic payload in Pascal case. */
const entityNames: Record<string, string> = {
  customer: 'Customer',
  invoice: 'Invoice',
  payment: 'Payment',
  item: 'Item',
  estimate: 'Estimate',
  salesreceipt: 'SalesReceipt',
  creditmemo: 'CreditMemo',
  vendor: 'Vendor',
  bill: 'Bill',
  billpayment: 'BillPayment',
  employee: 'Employee',
  account: 'Account',
};
/** CloudEvent verbs → the classic payload's operations, the words FetchRef.operation keeps. */
const operations: Record<string, string> = { created: 'Create', updated: 'Update', deleted: 'Delete', merged: 'Merge', voided: 'Void', emailed: 'Emailed' };

/** What happened to one entity, in either payload. */
interface Change {
  entity: string;
  id: string;
  realmId: string;
  operation: string;
  at?: string;
}

/** A webhook body → the entities to read (Customer, Invoice, Payment), and what was left alone and why. */
export function parseDelivery(body: string): ParsedDelivery {
  const changes = readChanges(parseJson(body));
  if (changes.length > MAX_RECORDS_PER_DELIVERY) {
    throw new MappingError('malformed_payload', `The notification names ${changes.length} entities; at most ${MAX_RECORDS_PER_DELIVERY} are taken.`);
  }
  const fetches = new Map<string, FetchRef>();
  const ignored: { what: string; reason: string }[] = [];
  for (const change of changes) {
    const what = `${change.entity} ${change.id} (company ${change.realmId})`;
    const reason = whyIgnored(change);
    if (reason) {
      ignored.push({ what: `${change.operation} of ${what}`, reason });
      continue;
    }
    // Intuit batches changes: an entity created and then updated in one window is read once (the later wins).
    const key = `${change.realmId}/${change.entity}/${change.id}`;
    fetches.delete(key);
    fetches.set(key, { entity: change.entity, id: change.id, account: change.realmId, operation: change.operation, ...(change.at && { at: change.at }) });
  }
  return { records: [], fetches: [...fetches.values()], ...(ignored.length > 0 && { ignored }) };
}

/** Why a change is not read, or undefined when it is. */
function whyIgnored({ entity, operation }: Change): string | undefined {
  if (!isSynced(entity)) return `QuickBooks ${entity} entities are not synced (only ${syncedEntities.join(', ')} are).`;
  // A deleted entity cannot be read back, and the canonical records have no deletion: the CRM keeps its client and history.
  if (operation === 'Delete') return `The ${entity} was deleted in QuickBooks; deletions are not synced, and the CRM keeps what it already has.`;
  // A voided invoice or payment reads back with zero amounts, which must not overwrite the sale or the payment recorded.
  if (operation === 'Void') return `The ${entity} was voided in QuickBooks; voids are not synced, and the CRM keeps what it already has.`;
  if (operation === 'Emailed') return `The ${entity} was emailed; nothing in it changed.`;
  return undefined;
}

function parseJson(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch {
    throw new MappingError('malformed_payload', 'The QuickBooks notification is not JSON.');
  }
}

function readChanges(json: unknown): Change[] {
  if (Array.isArray(json)) {
    const events = CloudEventsPayload.safeParse(json);
    if (!events.success) throw malformed('an array of CloudEvents', events.error);
    return events.data.map((event) => {
      const [, entity = '', verb = ''] = CLOUD_EVENT_TYPE.exec(event.type) ?? [];
      return { entity: entityNames[entity] ?? entity, id: event.intuitentityid, realmId: event.intuitaccountid, operation: operations[verb] ?? verb, ...(event.time && { at: event.time }) };
    });
  }
  const classic = ClassicPayload.safeParse(json);
  if (!classic.success) throw malformed('{eventNotifications:[{realmId, dataChangeEvent:{entities:[…]}}]} or an array of CloudEvents', classic.error);
  return classic.data.eventNotifications.flatMap(({ realmId, dataChangeEvent }) =>
    dataChangeEvent.entities.map((e) => ({ entity: e.name, id: e.id, realmId, operation: e.operation, ...(e.lastUpdated && { at: e.lastUpdated }) })),
  );
}

/** The first problem, with where it is: `eventNotifications.0.realmId: must be a QuickBooks id (digits)`. */
function malformed(expected: string, error: z.ZodError): MappingError {
  const issue = error.issues[0];
  const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
  return new MappingError('malformed_payload', `Not a QuickBooks notification (expected ${expected}): ${where}${issue?.message ?? 'unexpected shape'}.`);
}

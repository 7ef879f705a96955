import { tableSchema } from './table-schema';

/**
 * Key grammar of the single table — the only place key strings, key prefixes and index names are
 * written. Every key starts with the tenant, so no key can reach another tenant's items.
 *
 * Access patterns (pattern → index → key shape):
 * | get client by id                  | table | pk=T#{t}#C#{client}        sk=CLIENT            |
 * | client 360 (client + opps + events)| table | pk=T#{t}#C#{client}        sk between CLIENT and OPP#~ (one Query) |
 * | opportunities of a client         | table | pk=T#{t}#C#{client}        sk begins OPP#       |
 * | opportunity by id                 | table | pk=T#{t}#C#{client}        sk=OPP#{opp}         |
 * | event by id                       | table | pk=T#{t}#C#{client}        sk=EVT#{event}       |
 * | one open opportunity per product  | table | pk=T#{t}#C#{client}        sk=UNIQ#OPEN#{product} |
 * | stage history of an opportunity   | table | pk=T#{t}#C#{client}        sk begins STAGE#{opp}# |
 * | audit of a client, newest first   | table | pk=T#{t}#C#{client}        sk begins AUDIT# (scopeId: the client, or the opportunity an opportunity's or event's entry concerns) |
 * | events of an assignee             | assigneeEvents (gsi1)      | gsi1pk=T#{t}#ASG#{staff}   gsi1sk=EVT#{status}#{scheduledAt}#{event} |
 * | opportunities of the tenant       | tenantOpportunities (gsi2) | gsi2pk=T#{t}#OPPS          gsi2sk={stage}#{opp} |
 * | events of the tenant by status    | tenantEvents (gsi2)        | gsi2pk=T#{t}#EVTS#{status} gsi2sk={scheduledAt}#{event} (missed sweep) |
 * | client by phone / email (dedupe)  | table | pk=T#{t}#CIDX              sk=PHONE#{e164} / EMAIL#{email} |
 * | client by GSTIN (dedupe)          | table | pk=T#{t}#CIDX              sk=GSTIN#{gstin} |
 * | client by its id in another system | table | pk=T#{t}#CIDX             sk=EXTREF#{system}:{id} (imports, integrations) |
 * | search clients by name prefix     | table | pk=T#{t}#CIDX              sk begins NAME#{name} |
 * | possible duplicates of a client   | table | pk=T#{t}#CIDX              sk begins FUZZY#{fuzzy key}# (one Query per key: name+city, name+PIN, owner+phone) |
 * | a fuzzy key's claim under `block` | table | pk=T#{t}#CIDX              sk=FUZZYCLAIM#{fuzzy key} (written in the client's transaction) |
 * | tenant settings / catalogue / stages / targets | table | pk=T#{t}#CONFIG sk=TENANT / PRODUCTS / STAGES / TARGETS |
 * | message templates (#14)           | table | pk=T#{t}#CONFIG            sk=TEMPLATES (read alone, not with the rest) |
 * | a staff member's own targets      | table | pk=T#{t}#CONFIG            sk=TARGETS#STAFF#{staff} |
 * | audit of a configuration document | table | pk=T#{t}#CONFIG            sk=AUDIT#{name}#{at}#{id} |
 * | staff member by id                | table | pk=T#{t}#STAFF             sk=S#{staff}         |
 * | list staff                        | table | pk=T#{t}#STAFF             sk begins S#         |
 * | audit of staff                    | table | pk=T#{t}#STAFF             sk=AUDIT#{at}#{id}   |
 * | reporting subtree of a manager    | staffTree (gsi1)           | gsi1pk=T#{t}#TREE          gsi1sk begins {path}/ |
 * | opportunities a subject is on     | table | pk=T#{t}#MEMBER#{subject}  sk=OPP#{stage}#{opp} (copy of the opportunity) |
 * | alert by id                       | table | pk=T#{t}#ALERTS            sk=A#{alert}         |
 * | alerts of the tenant by status    | tenantAlerts (gsi2)        | gsi2pk=T#{t}#ALERTS#{status} gsi2sk={createdAt}#{alert} (list, escalation sweep) |
 * | alerts about a staff member       | staffAlerts (gsi1)         | gsi1pk=T#{t}#ALERTS#S#{staff} gsi1sk={status}#{createdAt}#{alert} |
 * | import / export jobs, newest first | table | pk=T#{t}#IMPORTS / T#{t}#EXPORTS sk=JOB#{id} |
 * | a job's run for a tenant          | table | pk=T#{t}#JOBS              sk=RUN#{job}#{key}   (once per job and instant or night) |
 * | connection by id, list            | table | pk=T#{t}#INTEG             sk=CONN#{connection} |
 * | audit of connections              | table | pk=T#{t}#INTEG             sk=AUDIT#{at}#{id}   |
 * | delivery by id (= its provider id's digest: once per provider delivery) | table | pk=T#{t}#INTEG#{connection} sk=DLV#{delivery} |
 * | deliveries of a connection, newest first | connectionDeliveries (gsi1) | gsi1pk=T#{t}#INTEG#{connection}#DLV gsi1sk={receivedAt}#{delivery} |
 * | a lead already taken (per connection and the source's lead id) | table | pk=T#{t}#CIDX sk=LEADREF#{connection}#{digest} |
 * | an invoice of a client (owned products; payments) | table | pk=T#{t}#C#{client} sk=INV#{system}#{digest} (in the 360 range) |
 * | the client of an invoice (payments name the invoice alone) | table | pk=T#{t}#CIDX sk=INVREF#{system}#{digest} |
 * | messages of a client, oldest first (#14) | table | pk=T#{t}#C#{client} sk=THREAD#{message} (time-ordered ids; after OPP#~, outside the 360 range) |
 * | a client's consent on a channel (#14) | table | pk=T#{t}#C#{client} sk=PREF#CONSENT#{channel} (after OPP#~: outside the 360 range) |
 * | a message by its provider id (Message-ID, wamid): replies and statuses find it | table | pk=T#{t}#CIDX sk=MSGREF#{digest} |
 * | a client's stage changes, every opportunity's (#14 timeline) | table | pk=T#{t}#C#{client} sk begins STAGE# |
 * | a staff member's unread counts, one per client (#14) | table | pk=T#{t}#UNREAD#{staff} sk=C#{client} |
 * | an inbound message counted unread (once per message) | table | pk=T#{t}#C#{client} sk=UNREAD#{message} (after OPP#~: outside the 360 range; TTL) |
 * | the unassigned inbox (#14), newest first | table | pk=T#{t}#INBOX sk=MAIL#{inbox mail} (time-ordered ids); an attached one moves to sk=DONE#{inbox mail} in the same transaction |
 * | outbound webhook subscription by id, list (#15) | table | pk=T#{t}#WEBHOOKS sk=WH#{webhook} (fan-out reads them all, keeps the enabled) |
 * | audit of webhook subscriptions    | table | pk=T#{t}#WEBHOOKS          sk=AUDIT#{at}#{id}   |
 * | a webhook delivery by id; deliveries newest first | table | pk=T#{t}#WH#{webhook} sk=DLV#{delivery} (time-ordered ids; TTL 30 days after the last change) |
 * | deliveries made since an instant (bulk redelivery) | table | pk=T#{t}#WH#{webhook} sk >= DLV#{the least delivery id of that instant} |
 * | one delivery per (webhook, event) | table | pk=T#{t}#WH#{webhook}      sk=EVT#{sha256(event id) hex} → deliveryId (in the delivery's transaction; TTL) |
 * | counters: round-robin tickets, rate-limit windows | table | pk=T#{t}#COUNT sk=RR#{config version}#{rule} / RATE#{bucket}#{window} (TTL) |
 * | saved report by id, list (#16)  | table | pk=T#{t}#REPORTS           sk=SAVED#{id} (the schedule job reads the partition, keeps the due) |
 * | audit of saved reports            | table | pk=T#{t}#REPORTS           sk=AUDIT#{at}#{id}   |
 * | a webhook's attempts in flight (the sender's per-endpoint limit, #15) | table | pk=T#{t}#COUNT sk=WHLEASE#{webhook} (a counter; TTL) |
 * | the tenants (scheduled jobs fan out over them) | table | pk=PLATFORM#TENANTS sk=T#{t} — the one partition not under a tenant: written at provisioning, read only by the job dispatcher |
 */

export type Key = { pk: string; sk: string };

/** A Query's key condition: the index (absent: the table), the expression and its values. */
export interface KeyQuery {
  IndexName?: string;
  KeyConditionExpression: string;
  ExpressionAttributeValues: Record<string, string>;
}

const [gsi1, gsi2] = tableSchema.globalSecondaryIndexes;
const table = { pk: tableSchema.partitionKey, sk: tableSchema.sortKey } as const;

/** The GSIs, named after the access patterns they serve. */
export const indexes = {
  assigneeEvents: gsi1,
  staffTree: gsi1,
  tenantOpportunities: gsi2,
  tenantEvents: gsi2,
  staffAlerts: gsi1,
  tenantAlerts: gsi2,
  connectionDeliveries: gsi1,
} as const;

/** Attributes that only address an item (keys, index keys, item type, tenant): never part of an entity. */
export const addressAttributes: ReadonlySet<string> = new Set([
  table.pk,
  table.sk,
  ...tableSchema.globalSecondaryIndexes.flatMap((g) => [g.partitionKey, g.sortKey]),
  'entity',
  'tenantId',
]);

const CLIENT_SK = 'CLIENT';
/** Sorts after every ISO timestamp and id: the open upper end of a range. */
const HIGH = '~';

const tenantPrefix = (tenantId: string) => `T#${tenantId}`;
const clientPartition = (tenantId: string, clientId: string) => `${tenantPrefix(tenantId)}#C#${clientId}`;
const indexPartition = (tenantId: string) => `${tenantPrefix(tenantId)}#CIDX`;
const configPartition = (tenantId: string) => `${tenantPrefix(tenantId)}#CONFIG`;
const staffPartition = (tenantId: string) => `${tenantPrefix(tenantId)}#STAFF`;
const membershipPartition = (tenantId: string, subject: string) => `${tenantPrefix(tenantId)}#MEMBER#${subject}`;
const assigneePartition = (tenantId: string, staffId: string) => `${tenantPrefix(tenantId)}#ASG#${staffId}`;
const tenantOpportunitiesPartition = (tenantId: string) => `${tenantPrefix(tenantId)}#OPPS`;
const tenantEventsPartition = (tenantId: string, status: string) => `${tenantPrefix(tenantId)}#EVTS#${status}`;
const treePartition = (tenantId: string) => `${tenantPrefix(tenantId)}#TREE`;
const alertsPartition = (tenantId: string) => `${tenantPrefix(tenantId)}#ALERTS`;
const jobsPartition = (tenantId: string) => `${tenantPrefix(tenantId)}#JOBS`;
const integrationsPartition = (tenantId: string) => `${tenantPrefix(tenantId)}#INTEG`;
const connectionPartition = (tenantId: string, connectionId: string) => `${tenantPrefix(tenantId)}#INTEG#${connectionId}`;
const countersPartition = (tenantId: string) => `${tenantPrefix(tenantId)}#COUNT`;
const unreadPartition = (tenantId: string, staffId: string) => `${tenantPrefix(tenantId)}#UNREAD#${staffId}`;
const inboxPartition = (tenantId: string) => `${tenantPrefix(tenantId)}#INBOX`;
const webhooksPartition = (tenantId: string) => `${tenantPrefix(tenantId)}#WEBHOOKS`;
const reportsPartition = (tenantId: string) => `${tenantPrefix(tenantId)}#REPORTS`;
const webhookPartition = (tenantId: string, webhookId: string) => `${tenantPrefix(tenantId)}#WH#${webhookId}`;
const dataJobsPartition = (tenantId: string, kind: DataJobKind) => `${tenantPrefix(tenantId)}#${kind === 'import' ? 'IMPORTS' : 'EXPORTS'}`;

/** Bulk imports and exports (#12): one partition of each per tenant, newest first by id. */
export type DataJobKind = 'import' | 'export';

const contactSk = { mobile: 'PHONE', email: 'EMAIL', gstin: 'GSTIN', externalRef: 'EXTREF' } as const;
const searchSk = { name: 'NAME', phone: 'PHONE', email: 'EMAIL' } as const;

/**
 * Equality on the partition key, plus — when `prefix` is not empty — the sort keys that start with
 * it, as the range [prefix, prefix + U+10FFFF] rather than begins_with: the same items (no key holds
 * U+10FFFF, a non-character text() refuses), but DynamoDB Local answers begins_with by reading the
 * whole partition, which made every fuzzy duplicate check of a 100 k-client tenant cost 30 ms
 * (npm run bench:import: 5.6 rows/s; with ranges 121 rows/s). DynamoDB reads only the range either way.
 */
const PREFIX_END = '\u{10FFFF}';
function byPrefix(index: { pk: string; sk: string; name?: string }, partition: string, prefix: string): KeyQuery {
  return {
    ...(index.name && { IndexName: index.name }),
    KeyConditionExpression: prefix ? `${index.pk} = :pk AND ${index.sk} BETWEEN :prefix AND :end` : `${index.pk} = :pk`,
    ExpressionAttributeValues: prefix ? { ':pk': partition, ':prefix': prefix, ':end': `${prefix}${PREFIX_END}` } : { ':pk': partition },
  };
}

/**
 * Sort keys `prefix + value…` with value between `from` and `to` (both inclusive, either open).
 * DynamoDB refuses an empty string in a key condition, so an open end is left out, never ''.
 */
function byRange(index: { pk: string; sk: string; name?: string }, partition: string, prefix: string, from?: string, to?: string): KeyQuery {
  const lower = from !== undefined ? `${prefix}${from}` : prefix;
  const upper = to !== undefined ? `${prefix}${to}${HIGH}` : prefix ? `${prefix}${HIGH}` : '';
  const on = { ...(index.name && { IndexName: index.name }) };
  if (lower && upper) {
    return { ...on, KeyConditionExpression: `${index.pk} = :pk AND ${index.sk} BETWEEN :lower AND :upper`, ExpressionAttributeValues: { ':pk': partition, ':lower': lower, ':upper': upper } };
  }
  if (lower) return { ...on, KeyConditionExpression: `${index.pk} = :pk AND ${index.sk} >= :lower`, ExpressionAttributeValues: { ':pk': partition, ':lower': lower } };
  if (upper) return { ...on, KeyConditionExpression: `${index.pk} = :pk AND ${index.sk} <= :upper`, ExpressionAttributeValues: { ':pk': partition, ':upper': upper } };
  return { ...on, KeyConditionExpression: `${index.pk} = :pk`, ExpressionAttributeValues: { ':pk': partition } };
}

const gsi = (g: (typeof tableSchema.globalSecondaryIndexes)[number]) => ({ name: g.indexName, pk: g.partitionKey, sk: g.sortKey });

export const keys = {
  // ── items ──
  client: (tenantId: string, clientId: string): Key => ({ pk: clientPartition(tenantId, clientId), sk: CLIENT_SK }),
  isClientItem: (item: Record<string, unknown>) => item[table.sk] === CLIENT_SK,
  /** A unique contact point of a client (phone or email): a second client cannot hold it. */
  clientContact: (tenantId: string, on: keyof typeof contactSk, value: string): Key => ({ pk: indexPartition(tenantId), sk: `${contactSk[on]}#${value}` }),
  clientName: (tenantId: string, name: string, clientId: string): Key => ({ pk: indexPartition(tenantId), sk: `${searchSk.name}#${name}#${clientId}` }),
  /** A client under one of its fuzzy duplicate keys (domain/clients/dedup.ts fuzzyKeys). */
  clientFuzzy: (tenantId: string, fuzzyKey: string, clientId: string): Key => ({ pk: indexPartition(tenantId), sk: `FUZZY#${fuzzyKey}#${clientId}` }),
  /** Under the `block` rule, the one client a fuzzy key belongs to: look-alikes written at the same instant cannot both get in. */
  clientFuzzyClaim: (tenantId: string, fuzzyKey: string): Key => ({ pk: indexPartition(tenantId), sk: `FUZZYCLAIM#${fuzzyKey}` }),
  opportunity: (tenantId: string, clientId: string, opportunityId: string): Key => ({ pk: clientPartition(tenantId, clientId), sk: `OPP#${opportunityId}` }),
  event: (tenantId: string, clientId: string, eventId: string): Key => ({ pk: clientPartition(tenantId, clientId), sk: `EVT#${eventId}` }),
  openOpportunity: (tenantId: string, clientId: string, productId: string): Key => ({ pk: clientPartition(tenantId, clientId), sk: `UNIQ#OPEN#${productId}` }),
  transition: (tenantId: string, clientId: string, opportunityId: string, seq: number): Key => ({
    pk: clientPartition(tenantId, clientId),
    sk: `STAGE#${opportunityId}#${String(seq).padStart(6, '0')}`,
  }),
  /** Every audit entry of a client's partition sorts by time under the client: newest first is one Query. */
  clientAudit: (tenantId: string, clientId: string, at: string, id: string): Key => ({ pk: clientPartition(tenantId, clientId), sk: `AUDIT#${at}#${id}` }),
  configAudit: (tenantId: string, name: ConfigName | 'TENANT', at: string, id: string): Key => ({ pk: configPartition(tenantId), sk: `AUDIT#${name}#${at}#${id}` }),
  staffAudit: (tenantId: string, at: string, id: string): Key => ({ pk: staffPartition(tenantId), sk: `AUDIT#${at}#${id}` }),
  config: (tenantId: string, name: ConfigName | 'TENANT'): Key => ({ pk: configPartition(tenantId), sk: name }),
  /** A configuration document about one staff member (their own targets): beside the tenant's, read in the same BatchGet. */
  staffTargets: (tenantId: string, staffId: string): Key => ({ pk: configPartition(tenantId), sk: `TARGETS#STAFF#${staffId}` }),
  staff: (tenantId: string, staffId: string): Key => ({ pk: staffPartition(tenantId), sk: `S#${staffId}` }),
  /** One item per (subject, opportunity): what a staff member or partner company lists, by key. */
  membership: (tenantId: string, subject: string, stage: string, opportunityId: string): Key => ({
    pk: membershipPartition(tenantId, subject),
    sk: `OPP#${stage}#${opportunityId}`,
  }),

  alert: (tenantId: string, alertId: string): Key => ({ pk: alertsPartition(tenantId), sk: `A#${alertId}` }),
  /** A job's run for a tenant (the nightly email to one manager, a sweep at one instant): written once. */
  jobRun: (tenantId: string, job: string, runKey: string): Key => ({ pk: jobsPartition(tenantId), sk: `RUN#${job}#${runKey}` }),

  /** An import or export job: its status, counts and checkpoint. */
  dataJob: (tenantId: string, kind: DataJobKind, id: string): Key => ({ pk: dataJobsPartition(tenantId, kind), sk: `JOB#${id}` }),

  /** An inbound connection (#13). */
  connection: (tenantId: string, connectionId: string): Key => ({ pk: integrationsPartition(tenantId), sk: `CONN#${connectionId}` }),
  connectionAudit: (tenantId: string, at: string, id: string): Key => ({ pk: integrationsPartition(tenantId), sk: `AUDIT#${at}#${id}` }),
  /** A delivery to a connection's hook; its id is the digest of the provider's delivery id, so a second delivery of it finds the first. */
  delivery: (tenantId: string, connectionId: string, deliveryId: string): Key => ({ pk: connectionPartition(tenantId, connectionId), sk: `DLV#${deliveryId}` }),
  /** A lead a connection has taken: the client and opportunity it became. `digest`: of the source's lead id. */
  leadRef: (tenantId: string, connectionId: string, digest: string): Key => ({ pk: indexPartition(tenantId), sk: `LEADREF#${connectionId}#${digest}` }),
  /** An ERP's invoice (or sales order, billing document) of a client. */
  invoice: (tenantId: string, clientId: string, system: string, digest: string): Key => ({ pk: clientPartition(tenantId, clientId), sk: `INV#${system}#${digest}` }),
  invoiceRef: (tenantId: string, system: string, digest: string): Key => ({ pk: indexPartition(tenantId), sk: `INVREF#${system}#${digest}` }),
  isInvoiceItem: (item: Record<string, unknown>) => String(item[table.sk]).startsWith('INV#'),
  /** A message of the communication hub (#14), in its client's partition. */
  message: (tenantId: string, clientId: string, messageId: string): Key => ({ pk: clientPartition(tenantId, clientId), sk: `THREAD#${messageId}` }),
  consent: (tenantId: string, clientId: string, channel: string): Key => ({ pk: clientPartition(tenantId, clientId), sk: `PREF#CONSENT#${channel}` }),
  messageRef: (tenantId: string, digest: string): Key => ({ pk: indexPartition(tenantId), sk: `MSGREF#${digest}` }),
  /** An inbound email no rule matched (#14), waiting in the tenant's inbox; once attached to a thread, its record under `inboxAttached`. */
  inboxMail: (tenantId: string, id: string): Key => ({ pk: inboxPartition(tenantId), sk: `MAIL#${id}` }),
  inboxAttached: (tenantId: string, id: string): Key => ({ pk: inboxPartition(tenantId), sk: `DONE#${id}` }),
  /** A staff member's unread count for a client (#14). */
  unread: (tenantId: string, staffId: string, clientId: string): Key => ({ pk: unreadPartition(tenantId, staffId), sk: `C#${clientId}` }),
  /** That an inbound message was counted unread: written with the counts, so a message is counted once. */
  unreadNoted: (tenantId: string, clientId: string, messageId: string): Key => ({ pk: clientPartition(tenantId, clientId), sk: `UNREAD#${messageId}` }),
  /** An outbound webhook subscription (#15), and the audit of subscriptions beside them. */
  webhook: (tenantId: string, webhookId: string): Key => ({ pk: webhooksPartition(tenantId), sk: `WH#${webhookId}` }),
  webhookAudit: (tenantId: string, at: string, id: string): Key => ({ pk: webhooksPartition(tenantId), sk: `AUDIT#${at}#${id}` }),
  /** One event's delivery to one subscription, in the subscription's own partition. */
  webhookDelivery: (tenantId: string, webhookId: string, deliveryId: string): Key => ({ pk: webhookPartition(tenantId, webhookId), sk: `DLV#${deliveryId}` }),
  /** The delivery an event became for a subscription: `digest` is the event id's SHA-256, hex. */
  webhookDeliveryRef: (tenantId: string, webhookId: string, digest: string): Key => ({ pk: webhookPartition(tenantId, webhookId), sk: `EVT#${digest}` }),
  /** An atomic counter: a round-robin rule's next ticket, a rate-limit window's hits. */
  counter: (tenantId: string, name: string): Key => ({ pk: countersPartition(tenantId), sk: name }),
  /** A saved report (#16), and the audit of saved reports beside them. */
  savedReport: (tenantId: string, id: string): Key => ({ pk: reportsPartition(tenantId), sk: `SAVED#${id}` }),
  savedReportAudit: (tenantId: string, at: string, id: string): Key => ({ pk: reportsPartition(tenantId), sk: `AUDIT#${at}#${id}` }),
  /** The webhook sender's count of attempts in flight to one subscription (#15). */
  webhookLease: (tenantId: string, webhookId: string): Key => ({ pk: countersPartition(tenantId), sk: `WHLEASE#${webhookId}` }),

  /** The platform's list of tenants: the only key outside every tenant, read by the scheduled jobs' dispatcher alone. */
  tenantRegistry: (tenantId: string): Key => ({ pk: 'PLATFORM#TENANTS', sk: `T#${tenantId}` }),

  // ── index attributes written on items ──
  opportunityIndexes: (tenantId: string, o: { id: string; stage: string }) => ({
    [indexes.tenantOpportunities.partitionKey]: tenantOpportunitiesPartition(tenantId),
    [indexes.tenantOpportunities.sortKey]: `${o.stage}#${o.id}`,
  }),
  eventIndexes: (tenantId: string, e: { id: string; assignee: string; status: string; scheduledAt: string }) => ({
    [indexes.assigneeEvents.partitionKey]: assigneePartition(tenantId, e.assignee),
    [indexes.assigneeEvents.sortKey]: `EVT#${e.status}#${e.scheduledAt}#${e.id}`,
    [indexes.tenantEvents.partitionKey]: tenantEventsPartition(tenantId, e.status),
    [indexes.tenantEvents.sortKey]: `${e.scheduledAt}#${e.id}`,
  }),
  alertIndexes: (tenantId: string, a: { id: string; staffId: string; status: string; createdAt: string }) => ({
    [indexes.staffAlerts.partitionKey]: `${alertsPartition(tenantId)}#S#${a.staffId}`,
    [indexes.staffAlerts.sortKey]: `${a.status}#${a.createdAt}#${a.id}`,
    [indexes.tenantAlerts.partitionKey]: `${alertsPartition(tenantId)}#${a.status}`,
    [indexes.tenantAlerts.sortKey]: `${a.createdAt}#${a.id}`,
  }),
  deliveryIndexes: (tenantId: string, d: { connectionId: string; receivedAt: string; id: string }) => ({
    [indexes.connectionDeliveries.partitionKey]: `${connectionPartition(tenantId, d.connectionId)}#DLV`,
    [indexes.connectionDeliveries.sortKey]: `${d.receivedAt}#${d.id}`,
  }),
  staffIndexes: (tenantId: string, s: { path: string }) => ({
    [indexes.staffTree.partitionKey]: treePartition(tenantId),
    [indexes.staffTree.sortKey]: s.path,
  }),

  // ── queries ──
  query: {
    /** The 360 range: CLIENT, EVT#…, OPP#… — and nothing of AUDIT#, STAGE#, UNIQ#. */
    profile: (tenantId: string, clientId: string): KeyQuery => ({
      KeyConditionExpression: `${table.pk} = :pk AND ${table.sk} BETWEEN :lower AND :upper`,
      ExpressionAttributeValues: { ':pk': clientPartition(tenantId, clientId), ':lower': CLIENT_SK, ':upper': `OPP#${HIGH}` },
    }),
    clientOpportunities: (tenantId: string, clientId: string) => byPrefix(table, clientPartition(tenantId, clientId), 'OPP#'),
    stageHistory: (tenantId: string, clientId: string, opportunityId: string) => byPrefix(table, clientPartition(tenantId, clientId), `STAGE#${opportunityId}#`),
    clientAudit: (tenantId: string, clientId: string) => byPrefix(table, clientPartition(tenantId, clientId), 'AUDIT#'),
    clientSearch: (tenantId: string, field: keyof typeof searchSk, prefix: string) => byPrefix(table, indexPartition(tenantId), `${searchSk[field]}#${prefix}`),
    /** The clients under one fuzzy key. */
    clientFuzzy: (tenantId: string, fuzzyKey: string) => byPrefix(table, indexPartition(tenantId), `FUZZY#${fuzzyKey}#`),
    /** Every fuzzy index item of the tenant, in key order (the cleanup list). */
    clientFuzzyAll: (tenantId: string) => byPrefix(table, indexPartition(tenantId), 'FUZZY#'),
    staff: (tenantId: string) => byPrefix(table, staffPartition(tenantId), 'S#'),
    clientMessages: (tenantId: string, clientId: string) => byPrefix(table, clientPartition(tenantId, clientId), 'THREAD#'),
    /** Every stage change in a client's partition, of all its opportunities (the timeline). */
    clientStageChanges: (tenantId: string, clientId: string) => byPrefix(table, clientPartition(tenantId, clientId), 'STAGE#'),
    unread: (tenantId: string, staffId: string) => byPrefix(table, unreadPartition(tenantId, staffId), 'C#'),
    /** The unassigned inbox (read newest first). */
    inbox: (tenantId: string) => byPrefix(table, inboxPartition(tenantId), 'MAIL#'),
    connections: (tenantId: string) => byPrefix(table, integrationsPartition(tenantId), 'CONN#'),
    connectionAudit: (tenantId: string) => byPrefix(table, integrationsPartition(tenantId), 'AUDIT#'),
    deliveries: (tenantId: string, connectionId: string) => byPrefix(gsi(indexes.connectionDeliveries), `${connectionPartition(tenantId, connectionId)}#DLV`, ''),
    webhooks: (tenantId: string) => byPrefix(table, webhooksPartition(tenantId), 'WH#'),
    savedReports: (tenantId: string) => byPrefix(table, reportsPartition(tenantId), 'SAVED#'),
    savedReportAudit: (tenantId: string) => byPrefix(table, reportsPartition(tenantId), 'AUDIT#'),
    webhookAudit: (tenantId: string) => byPrefix(table, webhooksPartition(tenantId), 'AUDIT#'),
    /** A subscription's deliveries (read newest first). */
    webhookDeliveries: (tenantId: string, webhookId: string) => byPrefix(table, webhookPartition(tenantId, webhookId), 'DLV#'),
    /** A subscription's deliveries with ids from `fromId` on (made at or after its instant). */
    webhookDeliveriesFrom: (tenantId: string, webhookId: string, fromId: string) => byRange(table, webhookPartition(tenantId, webhookId), 'DLV#', fromId),
    dataJobs: (tenantId: string, kind: DataJobKind) => byPrefix(table, dataJobsPartition(tenantId, kind), 'JOB#'),
    /** Every client of the tenant, once each, in name order (the name index): exports. */
    clientNames: (tenantId: string) => byPrefix(table, indexPartition(tenantId), `${searchSk.name}#`),
    tenants: () => byPrefix(table, 'PLATFORM#TENANTS', 'T#'),
    /** Everyone below `path` (not the staff member at `path`). */
    subtree: (tenantId: string, path: string) => byPrefix(gsi(indexes.staffTree), treePartition(tenantId), `${path}/`),
    memberOpportunities: (tenantId: string, subject: string, stage?: string) => byPrefix(table, membershipPartition(tenantId, subject), stage ? `OPP#${stage}#` : 'OPP#'),
    tenantOpportunities: (tenantId: string, stage?: string) => byPrefix(gsi(indexes.tenantOpportunities), tenantOpportunitiesPartition(tenantId), stage ? `${stage}#` : ''),
    /** Events of an assignee with a status, scheduled between `from` and `to` (ISO UTC, inclusive). */
    assigneeEvents: (tenantId: string, staffId: string, status: string, from?: string, to?: string) =>
      byRange(gsi(indexes.assigneeEvents), assigneePartition(tenantId, staffId), `EVT#${status}#`, from, to),
    tenantEvents: (tenantId: string, status: string, from?: string, to?: string) => byRange(gsi(indexes.tenantEvents), tenantEventsPartition(tenantId, status), '', from, to),
    tenantAlerts: (tenantId: string, status: string) => byPrefix(gsi(indexes.tenantAlerts), `${alertsPartition(tenantId)}#${status}`, ''),
    staffAlerts: (tenantId: string, staffId: string, status?: string) => byPrefix(gsi(indexes.staffAlerts), `${alertsPartition(tenantId)}#S#${staffId}`, status ? `${status}#` : ''),
  },
};

export type ConfigName = 'PRODUCTS' | 'STAGES' | 'TARGETS' | 'DEDUP' | 'ASSIGNMENT' | 'TEMPLATES';

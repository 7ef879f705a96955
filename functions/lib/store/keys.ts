/**
 * Key grammar of the single table — the only place key strings are built.
 * Every key starts with the tenant, so no key can reach another tenant's items.
 *
 * Access patterns (pattern → index → key shape):
 * | get client by id                  | table | pk=T#{t}#C#{client}        sk=CLIENT            |
 * | client 360 (client + opps + events)| table | pk=T#{t}#C#{client}        sk between CLIENT and OPP#~ (one Query) |
 * | opportunity by id                 | table | pk=T#{t}#C#{client}        sk=OPP#{opp}         |
 * | event by id                       | table | pk=T#{t}#C#{client}        sk=EVT#{event}       |
 * | one open opportunity per product  | table | pk=T#{t}#C#{client}        sk=UNIQ#OPEN#{product} |
 * | stage history of an opportunity   | table | pk=T#{t}#C#{client}        sk begins STAGE#{opp}# |
 * | audit of a client / opportunity   | table | pk=T#{t}#C#{client}        sk begins AUDIT# / AUDIT#{opp}# |
 * | events of an assignee             | gsi1  | gsi1pk=T#{t}#ASG#{staff}   gsi1sk=EVT#{status}#{scheduledAt}#{event} |
 * | opportunities of the tenant       | gsi2  | gsi2pk=T#{t}#OPPS          gsi2sk={stage}#{opp} |
 * | events of the tenant by status    | gsi2  | gsi2pk=T#{t}#EVTS#{status} gsi2sk={scheduledAt}#{event} (missed sweep) |
 * | client by phone / email (dedupe)  | table | pk=T#{t}#CIDX              sk=PHONE#{e164} / EMAIL#{email} |
 * | search clients by name prefix     | table | pk=T#{t}#CIDX              sk begins NAME#{name} |
 * | tenant settings / catalogue / stages | table | pk=T#{t}#CONFIG         sk=TENANT / PRODUCTS / STAGES |
 * | staff member by id                | table | pk=T#{t}#STAFF             sk=S#{staff}         |
 * | list staff                        | table | pk=T#{t}#STAFF             (Query)              |
 * | reporting subtree of a manager    | gsi1  | gsi1pk=T#{t}#TREE          gsi1sk begins {path}/ |
 * | opportunities a subject is on     | table | pk=T#{t}#MEMBER#{subject}  sk=OPP#{stage}#{opp} (copy of the opportunity) |
 */
export const CLIENT_SK = 'CLIENT';

const tenantPrefix = (tenantId: string) => `T#${tenantId}`;

export const keys = {
  client: (tenantId: string, clientId: string) => ({ pk: `${tenantPrefix(tenantId)}#C#${clientId}`, sk: CLIENT_SK }),
  clientPartition: (tenantId: string, clientId: string) => `${tenantPrefix(tenantId)}#C#${clientId}`,
  clientPhone: (tenantId: string, e164: string) => ({ pk: `${tenantPrefix(tenantId)}#CIDX`, sk: `PHONE#${e164}` }),
  clientEmail: (tenantId: string, email: string) => ({ pk: `${tenantPrefix(tenantId)}#CIDX`, sk: `EMAIL#${email}` }),
  clientSearch: (tenantId: string, field: 'name' | 'phone' | 'email', prefix: string) => ({
    pk: `${tenantPrefix(tenantId)}#CIDX`,
    skPrefix: `${{ name: 'NAME', phone: 'PHONE', email: 'EMAIL' }[field]}#${prefix}`,
  }),
  clientName: (tenantId: string, name: string, clientId: string) => ({ pk: `${tenantPrefix(tenantId)}#CIDX`, sk: `NAME#${name}#${clientId}` }),
  opportunity: (tenantId: string, clientId: string, opportunityId: string) => ({ pk: keys.clientPartition(tenantId, clientId), sk: `OPP#${opportunityId}` }),
  event: (tenantId: string, clientId: string, eventId: string) => ({ pk: keys.clientPartition(tenantId, clientId), sk: `EVT#${eventId}` }),
  openOpportunity: (tenantId: string, clientId: string, productId: string) => ({ pk: keys.clientPartition(tenantId, clientId), sk: `UNIQ#OPEN#${productId}` }),
  transition: (tenantId: string, clientId: string, opportunityId: string, seq: number) => ({
    pk: keys.clientPartition(tenantId, clientId),
    sk: `STAGE#${opportunityId}#${String(seq).padStart(6, '0')}`,
  }),
  transitionPrefix: (opportunityId: string) => `STAGE#${opportunityId}#`,
  /** Audit entries sort under the client, or under the opportunity they concern (its events too). */
  audit: (tenantId: string, clientId: string, scopeId: string, at: string, id: string) => ({ pk: keys.clientPartition(tenantId, clientId), sk: `AUDIT#${scopeId}#${at}#${id}` }),
  auditPrefix: (scopeId?: string) => (scopeId ? `AUDIT#${scopeId}#` : 'AUDIT#'),
  /** The 360 range: CLIENT, EVT#…, OPP#… — and nothing of AUDIT#, STAGE#, UNIQ#. */
  profileRange: { from: CLIENT_SK, to: 'OPP#~' },
  opportunityIndexes: (tenantId: string, o: { id: string; stage: string }) => ({
    gsi2pk: `${tenantPrefix(tenantId)}#OPPS`,
    gsi2sk: `${o.stage}#${o.id}`,
  }),
  eventIndexes: (tenantId: string, e: { id: string; assignee: string; status: string; scheduledAt: string }) => ({
    gsi1pk: `${tenantPrefix(tenantId)}#ASG#${e.assignee}`,
    gsi1sk: `EVT#${e.status}#${e.scheduledAt}#${e.id}`,
    gsi2pk: `${tenantPrefix(tenantId)}#EVTS#${e.status}`,
    gsi2sk: `${e.scheduledAt}#${e.id}`,
  }),
  assigneePartition: (tenantId: string, staffId: string) => `${tenantPrefix(tenantId)}#ASG#${staffId}`,
  tenantOpportunities: (tenantId: string) => `${tenantPrefix(tenantId)}#OPPS`,
  tenantEvents: (tenantId: string, status: string) => `${tenantPrefix(tenantId)}#EVTS#${status}`,
  tenantPrefix,
  config: (tenantId: string, name: 'TENANT' | 'PRODUCTS' | 'STAGES' | 'TARGETS') => ({ pk: `${tenantPrefix(tenantId)}#CONFIG`, sk: name }),
  configAudit: (tenantId: string, name: 'PRODUCTS' | 'STAGES', at: string, id: string) => ({ pk: `${tenantPrefix(tenantId)}#CONFIG`, sk: `AUDIT#${name}#${at}#${id}` }),
  staff: (tenantId: string, staffId: string) => ({ pk: `${tenantPrefix(tenantId)}#STAFF`, sk: `S#${staffId}` }),
  staffPartition: (tenantId: string) => `${tenantPrefix(tenantId)}#STAFF`,
  staffPrefix: 'S#',
  staffAudit: (tenantId: string, at: string, id: string) => ({ pk: `${tenantPrefix(tenantId)}#STAFF`, sk: `AUDIT#${at}#${id}` }),
  staffTree: (tenantId: string, path: string) => ({ gsi1pk: `${tenantPrefix(tenantId)}#TREE`, gsi1sk: path }),
  /** One item per (subject, opportunity): what a staff member or partner company lists, by key. */
  membership: (tenantId: string, subject: string, stage: string, opportunityId: string) => ({
    pk: `${tenantPrefix(tenantId)}#MEMBER#${subject}`,
    sk: `OPP#${stage}#${opportunityId}`,
  }),
  membershipPartition: (tenantId: string, subject: string) => `${tenantPrefix(tenantId)}#MEMBER#${subject}`,
};

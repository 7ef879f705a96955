/**
 * Key grammar of the single table — the only place key strings are built.
 * Every key starts with the tenant, so no key can reach another tenant's items.
 *
 * Access patterns (pattern → index → key shape):
 * | get client by id                  | table | pk=T#{t}#C#{client}        sk=CLIENT            |
 * | client 360 (client + opps + events)| table | pk=T#{t}#C#{client}        (one Query)          |
 * | client by phone / email (dedupe)  | table | pk=T#{t}#CIDX              sk=PHONE#{e164} / EMAIL#{email} |
 * | search clients by name prefix     | table | pk=T#{t}#CIDX              sk begins NAME#{name} |
 * | tenant settings / catalogue / stages | table | pk=T#{t}#CONFIG         sk=TENANT / PRODUCTS / STAGES |
 * | staff member by id                | table | pk=T#{t}#STAFF             sk=S#{staff}         |
 * | list staff                        | table | pk=T#{t}#STAFF             (Query)              |
 */
export const CLIENT_SK = 'CLIENT';

const tenantPrefix = (tenantId: string) => `T#${tenantId}`;

export const keys = {
  client: (tenantId: string, clientId: string) => ({ pk: `${tenantPrefix(tenantId)}#C#${clientId}`, sk: CLIENT_SK }),
  clientPartition: (tenantId: string, clientId: string) => `${tenantPrefix(tenantId)}#C#${clientId}`,
  clientPhone: (tenantId: string, e164: string) => ({ pk: `${tenantPrefix(tenantId)}#CIDX`, sk: `PHONE#${e164}` }),
  clientEmail: (tenantId: string, email: string) => ({ pk: `${tenantPrefix(tenantId)}#CIDX`, sk: `EMAIL#${email}` }),
  clientName: (tenantId: string, name: string, clientId: string) => ({ pk: `${tenantPrefix(tenantId)}#CIDX`, sk: `NAME#${name}#${clientId}` }),
  config: (tenantId: string, name: 'TENANT' | 'PRODUCTS' | 'STAGES' | 'TARGETS') => ({ pk: `${tenantPrefix(tenantId)}#CONFIG`, sk: name }),
  staff: (tenantId: string, staffId: string) => ({ pk: `${tenantPrefix(tenantId)}#STAFF`, sk: `S#${staffId}` }),
  staffPartition: (tenantId: string) => `${tenantPrefix(tenantId)}#STAFF`,
};

/** The tenant a key belongs to (stream consumers read it back from pk). */
export function tenantOfKey(pk: string): string | undefined {
  return /^T#([^#]+)#/.exec(pk)?.[1];
}

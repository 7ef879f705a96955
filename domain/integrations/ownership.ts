import type { Client, ClientInput } from '../clients/client';
import { normaliseEmail, normalisePhone } from '../clients/client';

/**
 * Field ownership between an ERP and the CRM (DESIGN §9): the ERP owns the legal and billing
 * fields — company name, GSTIN, billing address — and the CRM the contact and sales fields. An
 * ERP's change to its own fields is applied unless it is older than that field's last change
 * from the same system (out-of-order deliveries); a contact field is filled when the client has
 * none, and updated only while it still holds what that system last gave it — a salesperson's
 * edit is never overwritten. Every disagreement is returned as a conflict, both values kept, for the audit.
 */
export const erpFields = ['companyName', 'gstin', 'address'] as const;
export const crmFields = ['ownerName', 'mobile', 'email', 'city', 'pincode'] as const;
type Field = (typeof erpFields)[number] | (typeof crmFields)[number];

export interface FieldConflict {
  field: string;
  crm: unknown;
  source: unknown;
  kept: 'crm' | 'source';
  why: string;
}

export interface SyncPlan {
  patch: Partial<ClientInput>;
  fieldSources: NonNullable<Client['fieldSources']>;
  conflicts: FieldConflict[];
}

/** Two values of a field the same, as the CRM stores them (a phone in E.164, an email in lower case). */
function same(field: Field, a: string | undefined, b: string | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (field === 'mobile') {
    const [x, y] = [normalisePhone(field, a), normalisePhone(field, b)];
    return x.ok && y.ok ? x.value === y.value : a === b;
  }
  if (field === 'email') return normaliseEmail(a) === normaliseEmail(b);
  return a.normalize('NFC').trim() === b.normalize('NFC').trim();
}

export function plan(client: Client, input: Partial<ClientInput>, system: string, at: string): SyncPlan {
  const patch: Partial<ClientInput> = {};
  const fieldSources = { ...client.fieldSources };
  const conflicts: FieldConflict[] = [];
  const set = (field: Field, value: string) => {
    (patch as Record<string, string>)[field] = value;
    fieldSources[field] = { system, at };
  };
  for (const field of [...erpFields, ...crmFields]) {
    const incoming = input[field] as string | undefined;
    const current = client[field] as string | undefined;
    if (incoming === undefined || same(field, incoming, current)) continue;
    const last = client.fieldSources?.[field];
    const ours = last?.system === system;
    if (ours && Date.parse(at) <= Date.parse(last.at)) {
      conflicts.push({ field, crm: current, source: incoming, kept: 'crm', why: `older (${at}) than ${system}'s last change of it (${last.at})` });
      continue;
    }
    if ((erpFields as readonly string[]).includes(field)) {
      if (current !== undefined && !ours) conflicts.push({ field, crm: current, source: incoming, kept: 'source', why: `${system} owns legal and billing fields` });
      set(field, incoming);
    } else if (current === undefined || ours) set(field, incoming);
    else conflicts.push({ field, crm: current, source: incoming, kept: 'crm', why: 'the CRM owns contact fields: a salesperson set it' });
  }
  const refs = { ...client.externalRefs, ...input.externalRefs };
  if (JSON.stringify(refs) !== JSON.stringify(client.externalRefs ?? {})) patch.externalRefs = refs;
  return { patch, fieldSources, conflicts };
}

/** A person's edit takes the fields it changes away from the systems that last set them: from then on they are the CRM's. */
export function afterPersonEdit(before: Client, after: Pick<Client, Field>): Client['fieldSources'] {
  if (!before.fieldSources) return undefined;
  const kept = Object.fromEntries(Object.entries(before.fieldSources).filter(([field]) => (before as Record<string, unknown>)[field] === (after as Record<string, unknown>)[field]));
  return Object.keys(kept).length > 0 ? kept : undefined;
}

export const ownershipOf = { erpFields, crmFields, plan };

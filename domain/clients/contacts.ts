import { conflict } from '../errors';
import { searchableName, type Client } from './client';

/**
 * DESIGN §3 Clients: a new client that matches an existing one on phone, email or GSTIN is refused
 * (#12). These are the points a client holds uniquely within its tenant (its mobile and, if it has
 * them, its email, GSTIN and its id in each other system), and what an edit claims and releases of
 * them. An external ref is `system:id` (`tally:LED-0042`): one client per id in each system, so an
 * import or an integration can find the client by it with one read.
 */
export type ContactKind = 'mobile' | 'email' | 'gstin' | 'externalRef';
export interface ContactPoint {
  on: ContactKind;
  value: string;
}

export const externalRef = (system: string, id: string) => `${system}:${id}`;

export function uniqueContacts(c: Pick<Client, 'mobile' | 'email' | 'gstin' | 'externalRefs'>): ContactPoint[] {
  return [
    { on: 'mobile', value: c.mobile },
    ...(c.email ? [{ on: 'email' as const, value: c.email }] : []),
    ...(c.gstin ? [{ on: 'gstin' as const, value: c.gstin }] : []),
    ...Object.entries(c.externalRefs ?? {}).map(([system, id]) => ({ on: 'externalRef' as const, value: externalRef(system, id) })),
  ];
}

const same = (a: ContactPoint, b: ContactPoint) => a.on === b.on && a.value === b.value;

/** The contact points an edit takes from the pool (`claimed`) and gives back (`released`). */
export function contactChanges(before: Client, after: Client): { claimed: ContactPoint[]; released: ContactPoint[] } {
  const was = uniqueContacts(before);
  const now = uniqueContacts(after);
  return { claimed: now.filter((n) => !was.some((w) => same(w, n))), released: was.filter((w) => !now.some((n) => same(w, n))) };
}

/** Whether an edit moves the client in the name search (its searchable name changed). */
export const renamed = (before: Client, after: Client) => searchableName(before.companyName) !== searchableName(after.companyName);

/** 409 naming the client that holds a contact point (the API's answer and the store's, alike). */
export function duplicateClient(contact: ContactPoint, existingClientId: string | undefined) {
  const what = contact.on === 'externalRef' ? `id in ${contact.value.slice(0, contact.value.indexOf(':'))}` : contact.on;
  return conflict('duplicate_client', `A client with this ${what} already exists.`, { existingClientId, matchedOn: contact.on });
}

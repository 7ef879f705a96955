import { searchableName, type Client } from './client';

/**
 * DESIGN §3 Clients: a new client that matches an existing one on phone, email or GSTIN is refused
 * (#12). These are the points a client holds uniquely within its tenant (its mobile and, if it has
 * them, its email and GSTIN), and what an edit claims and releases of them.
 */
export type ContactKind = 'mobile' | 'email' | 'gstin';
export interface ContactPoint {
  on: ContactKind;
  value: string;
}

export function uniqueContacts(c: Pick<Client, 'mobile' | 'email' | 'gstin'>): ContactPoint[] {
  return [{ on: 'mobile', value: c.mobile }, ...(c.email ? [{ on: 'email' as const, value: c.email }] : []), ...(c.gstin ? [{ on: 'gstin' as const, value: c.gstin }] : [])];
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

import { z } from 'zod';
import { Slug } from '../access/roles';
import { sellingRoles } from '../pipeline/opportunity';
import { invalid, type FieldError } from '../errors';
import { text } from '../shared/schemas';
import type { Staff } from '../staff/staff';

/**
 * Assignment rules (DESIGN §9, `GET|PUT /v1/config/assignment`): who gets a new lead. Rules are
 * tried in order; the first whose `match` fits the lead decides with its strategy over its staff
 * list; deactivated staff are skipped; no match (or nobody active in the match) → the tenant's
 * default owner.
 */
export const Strategy = z.enum(['round_robin', 'least_loaded', 'fixed']);
export type Strategy = z.infer<typeof Strategy>;

export const AssignmentRule = z.strictObject({
  /** Shown in the audit of every assignment the rule makes. */
  name: text({ max: 100 }).optional(),
  match: z
    .strictObject({
      /** The provider the lead came through (`facebook_lead_ads`, `web_form`), or a connection id. */
      source: z.string().min(1).max(64).optional(),
      productId: z.string().min(1).max(40).optional(),
      city: text({ max: 100 }).optional(),
      /** Six digits, or a prefix of them (`6820` matches 682001–682099). */
      pincode: z.string().regex(/^\d{1,6}$/, 'must be a PIN code or a prefix of one').optional(),
    })
    .default({}),
  strategy: Strategy,
  staff: z.array(Slug).min(1).max(100),
});
export type AssignmentRule = z.infer<typeof AssignmentRule>;

export const AssignmentConfig = z
  .strictObject({
    rules: z.array(AssignmentRule).max(50).default([]),
    /** Who gets a lead no rule takes. */
    defaultOwner: Slug,
    /** Minutes from a lead's arrival to its first-response call (DESIGN §9; default 15). */
    firstResponseMinutes: z.int().min(1).max(7 * 24 * 60).default(15),
  })
  .meta({ id: 'AssignmentConfig' });
export type AssignmentConfig = z.infer<typeof AssignmentConfig>;
export type AssignmentConfigInput = z.input<typeof AssignmentConfig>;

/** What a lead offers the rules to match on. */
export interface LeadFacts {
  source: string;
  connectionId: string;
  productId: string;
  city?: string | undefined;
  pincode?: string | undefined;
}

const fold = (s: string) => s.normalize('NFKC').toLocaleLowerCase('en').replace(/\s+/g, ' ').trim();

export function matches(rule: AssignmentRule, lead: LeadFacts): boolean {
  const m = rule.match;
  if (m.source !== undefined && m.source !== lead.source && m.source !== lead.connectionId) return false;
  if (m.productId !== undefined && m.productId !== lead.productId) return false;
  if (m.city !== undefined && (lead.city === undefined || fold(m.city) !== fold(lead.city))) return false;
  if (m.pincode !== undefined && !(lead.pincode ?? '').startsWith(m.pincode)) return false;
  return true;
}

/** The first rule that fits the lead, with its position (its counter's name). */
export function ruleFor(config: AssignmentConfig, lead: LeadFacts): { rule: AssignmentRule; index: number } | undefined {
  const index = config.rules.findIndex((r) => matches(r, lead));
  return index < 0 ? undefined : { rule: config.rules[index]!, index };
}

/** Who among the rule's staff may take leads now: active sellers, in the rule's order. */
export function eligible(rule: AssignmentRule, staff: ReadonlyMap<string, Staff>): string[] {
  return rule.staff.filter((id) => {
    const s = staff.get(id);
    return s !== undefined && s.active && (sellingRoles as readonly string[]).includes(s.role);
  });
}

/**
 * Round robin: the lead holding ticket `n` (a counter incremented atomically per rule, so
 * concurrent leads each hold a different ticket) goes to the n-th eligible person, cyclically.
 * Over any run of leads while the eligible list is unchanged, counts differ by at most one.
 */
export const roundRobin = (people: readonly string[], ticket: number) => people[((ticket % people.length) + people.length) % people.length]!;

/** Least loaded: fewest open leads; ties to the earlier in the rule's list. */
export function leastLoaded(people: readonly string[], openLeads: ReadonlyMap<string, number>): string {
  return people.reduce((best, id) => ((openLeads.get(id) ?? 0) < (openLeads.get(best) ?? 0) ? id : best), people[0]!);
}

/** The configuration, with every staff member it names checked: they exist and sell (a default owner who cannot carry leads would strand them). */
export function checkAssignmentStaff(config: AssignmentConfig, staff: ReadonlyMap<string, Staff>): void {
  const errors: FieldError[] = [];
  const check = (field: string, id: string) => {
    const s = staff.get(id);
    if (!s) errors.push({ field, code: 'unknown_staff', message: `${id} is not a member of staff` });
    else if (!(sellingRoles as readonly string[]).includes(s.role)) errors.push({ field, code: 'wrong_role', message: `${id} does not sell (${s.role})` });
    else if (!s.active) errors.push({ field, code: 'inactive_staff', message: `${id} is deactivated` });
  };
  check('body.defaultOwner', config.defaultOwner);
  config.rules.forEach((r, i) =>
    r.staff.forEach((id, j) => {
      // Named twice, a person would take two turns of every round.
      if (r.staff.indexOf(id) !== j) errors.push({ field: `body.rules.${i}.staff.${j}`, code: 'duplicate_staff', message: `${id} is already in this rule` });
      else check(`body.rules.${i}.staff.${j}`, id);
    }),
  );
  if (errors.length > 0) throw invalid(errors);
}

export const namedStaff = (config: AssignmentConfig) => [...new Set([config.defaultOwner, ...config.rules.flatMap((r) => r.staff)])];

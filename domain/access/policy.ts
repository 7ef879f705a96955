import { DomainError, forbidden, notFound } from '../errors';
import type { Principal, Role } from './roles';

/**
 * Who may see and do what (DESIGN §4), decided from these tables and nothing else.
 * An object outside the caller's scope answers 404 (it does not exist for them); an action their
 * role may not take on an object they can see answers 403.
 */
export const actions = [
  'client:create',
  'client:read',
  'client:update',
  /** List look-alike clients for cleanup (and, to come, merge them): managers and admins, within their scope. */
  'client:dedupe',
  'opportunity:create',
  'opportunity:read',
  'opportunity:update',
  'opportunity:stage',
  'opportunity:close',
  'opportunity:correct',
  'event:create',
  'event:complete',
  'event:read',
  'audit:read',
  'config:read',
  'config:write',
  'staff:read',
  'staff:write',
  'dashboard:read',
  'targets:write',
  'tenant:provision',
  'task:read',
  'alert:read',
  'alert:acknowledge',
  'alert:resolve',
  /** Bulk imports (#12): each row then goes through the use case and the caller's own rights. */
  'data:import',
  /** Bulk exports (#12): of what the caller may read, nothing more. */
  'data:export',
  /** Inbound connections (#13): their settings, write-only secrets, deliveries and replays. */
  'integration:manage',
  /** The unassigned inbox (#14): read the mail no rule matched and attach it to a client's thread. */
  'inbox:manage',
  /** Outbound webhooks (#15): subscriptions, their write-only signing secrets, the delivery log and redeliveries. */
  'webhook:manage',
  /** Reports (#16): run the prebuilt and custom reports over the facts the caller's scope may see. */
  'report:run',
] as const;
export type Action = (typeof actions)[number];

/**
 * How far a role sees: the whole tenant; its reporting subtree (hierarchy); what it is linked to
 * (owner, assignee, co-seller, warrior, partner company); or no tenant data at all.
 */
export type Scope = 'tenant' | 'subtree' | 'linked' | 'none';

const seller: readonly Action[] = [
  'client:create', 'client:read', 'client:update',
  'opportunity:create', 'opportunity:read', 'opportunity:update', 'opportunity:stage', 'opportunity:close',
  'event:create', 'event:complete', 'event:read', 'audit:read', 'config:read', 'staff:read', 'dashboard:read',
  'task:read', 'alert:read', 'alert:acknowledge', 'report:run',
];
// Managers set their reports' own targets (never their own); admins anyone's. Alerts are resolved by managers.
const manager: readonly Action[] = [...seller, 'opportunity:correct', 'targets:write', 'alert:resolve', 'client:dedupe', 'data:import', 'data:export'];

export const policy: Record<Role, { scope: Scope; may: readonly Action[] }> = {
  platform_admin: { scope: 'none', may: ['tenant:provision'] },
  tenant_admin: { scope: 'tenant', may: [...manager, 'config:write', 'staff:write', 'integration:manage', 'inbox:manage', 'webhook:manage'] },
  // The inbox holds mail of the whole tenant, matched to nobody yet: admins and managers sort it (a manager attaches to clients they see).
  manager: { scope: 'subtree', may: [...manager, 'inbox:manage'] },
  asst_manager: { scope: 'subtree', may: manager },
  sales_officer: { scope: 'linked', may: seller },
  tse: { scope: 'linked', may: seller },
  // Spec §4: warriors follow up on what a salesperson hands them; they may move the stage but not close, nor edit the deal.
  warrior: { scope: 'linked', may: ['client:read', 'opportunity:read', 'opportunity:stage', 'event:create', 'event:complete', 'event:read', 'config:read', 'task:read', 'report:run'] },
  partner: { scope: 'linked', may: ['client:read', 'opportunity:read', 'event:create', 'event:complete', 'event:read', 'config:read', 'report:run'] },
  analyst: { scope: 'tenant', may: ['client:read', 'opportunity:read', 'event:read', 'audit:read', 'config:read', 'staff:read', 'dashboard:read', 'task:read', 'alert:read', 'data:export', 'report:run'] },
};

/** Opportunity fields and who may write them (API3: field-level authorization). */
export const fieldWriters: Record<string, readonly Role[]> = {
  dealValue: ['tenant_admin', 'manager', 'asst_manager', 'sales_officer', 'tse'],
  closingProbability: ['tenant_admin', 'manager', 'asst_manager', 'sales_officer', 'tse'],
  expectedCloseDate: ['tenant_admin', 'manager', 'asst_manager', 'sales_officer', 'tse'],
  coSalespersons: ['tenant_admin', 'manager', 'asst_manager', 'sales_officer', 'tse'],
  warriors: ['tenant_admin', 'manager', 'asst_manager', 'sales_officer', 'tse'],
  // Reassignment and partner hand-over are manager decisions (DESIGN §4).
  assignedTo: ['tenant_admin', 'manager', 'asst_manager'],
  partnerCompanyId: ['tenant_admin', 'manager', 'asst_manager'],
};

/** The caller, with what their scope needs: a manager's reporting subtree, a partner's company. */
export interface Viewer extends Principal {
  /** Staff ids a manager answers for, themselves included. */
  subtree?: ReadonlySet<string>;
  partnerCompanyId?: string;
}

/** Subjects an object is linked to: staff ids, and `partner:{company}` for a partner company. */
export const partnerSubject = (companyId: string) => `partner:${companyId}`;

export interface OpportunityLinks {
  assignedTo: string;
  leadOwner: string;
  closingOwner?: string;
  coSalespersons: readonly string[];
  warriors?: readonly string[];
  partnerCompanyId?: string;
}

/** Everyone linked to an opportunity, and so to its client ("their clients"). */
export function opportunityTeam(o: OpportunityLinks): string[] {
  return [
    ...new Set([
      o.assignedTo,
      o.leadOwner,
      ...(o.closingOwner ? [o.closingOwner] : []),
      ...o.coSalespersons,
      ...(o.warriors ?? []),
      ...(o.partnerCompanyId ? [partnerSubject(o.partnerCompanyId)] : []),
    ]),
  ];
}

/** Sellers see what they sell, warriors what they were handed, a partner what went to its company. */
function linkedSubjects(who: Viewer, links: OpportunityLinks | { team: readonly string[] }): boolean {
  if ('team' in links) {
    const subject = who.role === 'partner' ? (who.partnerCompanyId ? partnerSubject(who.partnerCompanyId) : undefined) : who.staffId;
    return subject !== undefined && links.team.includes(subject);
  }
  switch (who.role) {
    case 'warrior':
      return (links.warriors ?? []).includes(who.staffId);
    case 'partner':
      return who.partnerCompanyId !== undefined && links.partnerCompanyId === who.partnerCompanyId;
    default:
      return [links.assignedTo, links.leadOwner, links.closingOwner, ...links.coSalespersons].includes(who.staffId);
  }
}

/** Whether the caller can see an object linked as `links` (an opportunity) or to `team` (a client). */
export function inScope(who: Viewer, links: OpportunityLinks | { team: readonly string[] }): boolean {
  switch (policy[who.role].scope) {
    case 'tenant':
      return true;
    case 'none':
      return false;
    case 'subtree': {
      const team = 'team' in links ? links.team : opportunityTeam(links);
      return team.some((s) => who.subtree?.has(s) ?? s === who.staffId);
    }
    case 'linked':
      return linkedSubjects(who, links);
  }
}

export const can = (who: Principal, action: Action) => policy[who.role].may.includes(action);

/** 403 unless the role may take the action at all. */
export function authorize(who: Principal, action: Action): void {
  if (!can(who, action)) throw forbidden('action_forbidden', `${withArticle(who.role)} may not ${action.replace(':', ' ')}.`);
}

/** Visible and allowed, or the right error: 404 when out of scope, 403 when the role may not act. */
export function authorizeOn(who: Viewer, action: Action, object: { kind: string; id: string; links: OpportunityLinks | { team: readonly string[] } }): void {
  if (!inScope(who, object.links)) throw notFound(object.kind, object.id);
  authorize(who, action);
}

/** 403 naming the first field of `fields` the caller's role may not write. */
export function authorizeFields(who: Principal, fields: readonly string[]): void {
  const denied = fields.filter((f) => Object.hasOwn(fieldWriters, f) && !fieldWriters[f]!.includes(who.role));
  if (denied.length > 0) {
    throw new DomainError('forbidden', 'field_forbidden', `${withArticle(who.role)} may not change ${denied.join(', ')}.`, {
      errors: denied.map((f) => ({ field: `body.${f}`, code: 'forbidden', message: 'may not be changed by your role' })),
    });
  }
}

/** Whose records a caller may list: themselves, their subtree, or (tenant scope) anyone. */
export function mayListFor(who: Viewer, staffId: string): boolean {
  switch (policy[who.role].scope) {
    case 'tenant':
      return true;
    case 'subtree':
      return who.subtree?.has(staffId) ?? staffId === who.staffId;
    case 'linked':
      return staffId === who.staffId;
    case 'none':
      return false;
  }
}

/** "A tse", "An analyst": error messages name the role with the right article. */
export const withArticle = (role: string) => `${/^[aeiou]/.test(role) ? 'An' : 'A'} ${role}`;

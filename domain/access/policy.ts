import { forbidden, notFound } from '../errors';
import type { Principal, Role } from './roles';

/**
 * Who may do what (DESIGN §4), decided from this table and nothing else.
 * Object-level scope: an object outside the caller's scope answers 404 (it does not exist for
 * them); an action their role may not take on an object they can see answers 403.
 */
export const actions = [
  'client:create',
  'client:read',
  'client:update',
  'opportunity:create',
  'opportunity:read',
  'opportunity:update',
  'opportunity:stage',
  'opportunity:correct',
  'event:create',
  'event:complete',
  'event:read',
  'audit:read',
  'config:read',
  'config:write',
] as const;
export type Action = (typeof actions)[number];

/** How far a role sees: the whole tenant, or only what it is linked to. */
export type Scope = 'tenant' | 'linked' | 'none';

interface RolePolicy {
  scope: Scope;
  may: readonly Action[];
}

const seller: readonly Action[] = [
  'client:create', 'client:read', 'client:update',
  'opportunity:create', 'opportunity:read', 'opportunity:update', 'opportunity:stage',
  'event:create', 'event:complete', 'event:read', 'audit:read', 'config:read',
];
const manager: readonly Action[] = [...seller, 'opportunity:correct'];

export const policy: Record<Role, RolePolicy> = {
  platform_admin: { scope: 'none', may: [] },
  tenant_admin: { scope: 'tenant', may: [...manager, 'config:write'] },
  // Managers see the tenant until the staff hierarchy narrows them to their subtree (access-control issue).
  manager: { scope: 'tenant', may: manager },
  asst_manager: { scope: 'tenant', may: manager },
  sales_officer: { scope: 'linked', may: seller },
  tse: { scope: 'linked', may: seller },
  warrior: { scope: 'linked', may: ['opportunity:read', 'event:create', 'event:complete', 'event:read', 'config:read'] },
  partner: { scope: 'linked', may: ['client:read', 'opportunity:read', 'event:read', 'config:read'] },
  analyst: { scope: 'tenant', may: ['client:read', 'opportunity:read', 'event:read', 'audit:read', 'config:read'] },
};

export const can = (who: Principal, action: Action) => policy[who.role].may.includes(action);

/** 403 unless the role may take the action at all. */
export function authorize(who: Principal, action: Action): void {
  if (!can(who, action)) throw forbidden('action_forbidden', `A ${who.role} may not ${action.replace(':', ' ')}.`);
}

/** The staff an opportunity is linked to: assignee, lead owner, closer, co-salespersons. */
export const opportunityTeam = (o: { assignedTo: string; leadOwner: string; closingOwner?: string; coSalespersons: readonly string[] }) =>
  [o.assignedTo, o.leadOwner, ...(o.closingOwner ? [o.closingOwner] : []), ...o.coSalespersons];

/** Whether the caller can see an object linked to `team` (404 otherwise, never 403). */
export function inScope(who: Principal, team: readonly string[]): boolean {
  const scope = policy[who.role].scope;
  return scope === 'tenant' || (scope === 'linked' && team.includes(who.staffId));
}

/** Visible and allowed, or the right error: 404 when out of scope, 403 when the role may not act. */
export function authorizeOn(who: Principal, action: Action, object: { kind: string; id: string; team: readonly string[] }): void {
  if (!inScope(who, object.team)) throw notFound(object.kind, object.id);
  authorize(who, action);
}

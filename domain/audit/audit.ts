import { z } from 'zod';
import { Role } from '../access/roles';

/** What audit entries recorded before #13; audit.recorded v1 carries these alone (events/catalog.ts). */
export const auditEntitiesV1 = ['client', 'opportunity', 'event', 'config', 'staff', 'tenant'] as const;
export const auditActionsV1 = ['created', 'updated', 'stage_changed', 'completed', 'missed', 'moved', 'deactivated', 'provisioned'] as const;
/** What #13 added (connections, sync conflicts); audit.recorded v2 carries these and v1's. */
export const auditEntitiesV2 = [...auditEntitiesV1, 'integration'] as const;
export const auditActionsV2 = [...auditActionsV1, 'deleted', 'secret_rotated', 'sync_conflict'] as const;

/** DESIGN §8: every change is in the audit log — who, when, before, after. */
export const AuditEntry = z
  .object({
    id: z.string(),
    /** `webhook`: outbound webhook subscriptions (#15), published as audit.recorded v3. */
    entity: z.enum([...auditEntitiesV2, 'webhook']),
    entityId: z.string(),
    /** `redelivered`, `pinged`: a webhook's deliveries queued again, a test ping sent (#15). */
    action: z.enum([...auditActionsV2, 'redelivered', 'pinged']),
    /** The staff member who made the change, and in which role. */
    actor: z.string(),
    actorRole: Role.optional(),
    at: z.string(),
    /** The entity before the change (absent on creation). */
    before: z.unknown().optional(),
    after: z.unknown().optional(),
    /** A change an integration made (#13): the connection and the delivery that carried it. */
    source: z.object({ connectionId: z.string(), provider: z.string(), deliveryId: z.string().optional(), externalId: z.string().optional() }).optional(),
    /**
     * What an integration's record said against what the CRM holds, and which was kept (DESIGN §9:
     * the ERP owns legal and billing fields, the CRM contact and sales fields; an older update loses).
     */
    conflicts: z.array(z.object({ field: z.string(), crm: z.unknown(), source: z.unknown(), kept: z.enum(['crm', 'source']), why: z.string() })).optional(),
    /** Which assignment rule gave a lead its owner (#13). */
    rule: z.string().optional(),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof AuditEntry>;

/** An entry audit.recorded v1 can carry (its entity and action were known then). */
export const fitsV1 = (a: Pick<AuditEntry, 'entity' | 'action'>) => (auditEntitiesV1 as readonly string[]).includes(a.entity) && (auditActionsV1 as readonly string[]).includes(a.action);
/** An entry audit.recorded v2 can carry. */
export const fitsV2 = (a: Pick<AuditEntry, 'entity' | 'action'>) => (auditEntitiesV2 as readonly string[]).includes(a.entity) && (auditActionsV2 as readonly string[]).includes(a.action);

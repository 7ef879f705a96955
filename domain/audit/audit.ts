import { z } from 'zod';
import { Role } from '../access/roles';

/** DESIGN §8: every change is in the audit log — who, when, before, after. */
export const AuditEntry = z
  .object({
    id: z.string(),
    entity: z.enum(['client', 'opportunity', 'event', 'config', 'staff', 'tenant', 'integration']),
    entityId: z.string(),
    action: z.enum(['created', 'updated', 'stage_changed', 'completed', 'missed', 'moved', 'deactivated', 'provisioned', 'deleted', 'secret_rotated', 'sync_conflict']),
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

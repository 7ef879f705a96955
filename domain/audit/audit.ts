import { z } from 'zod';
import { Role } from '../access/roles';

/** DESIGN §8: every change is in the audit log — who, when, before, after. */
export const AuditEntry = z
  .object({
    id: z.string(),
    entity: z.enum(['client', 'opportunity', 'event', 'config', 'staff', 'tenant']),
    entityId: z.string(),
    action: z.enum(['created', 'updated', 'stage_changed', 'completed', 'missed', 'moved', 'deactivated', 'provisioned']),
    /** The staff member who made the change, and in which role. */
    actor: z.string(),
    actorRole: Role.optional(),
    at: z.string(),
    /** The entity before the change (absent on creation). */
    before: z.unknown().optional(),
    after: z.unknown().optional(),
  })
  .meta({ id: 'AuditEntry' });
export type AuditEntry = z.infer<typeof AuditEntry>;

/** DESIGN §8: every change is in the audit log — who, when, before, after. */
export interface AuditEntry {
  id: string;
  entity: 'client' | 'opportunity' | 'event' | 'config' | 'staff';
  entityId: string;
  action: 'created' | 'updated' | 'stage_changed' | 'completed' | 'missed' | 'moved' | 'deactivated';
  actor: string;
  at: string;
  before?: unknown;
  after?: unknown;
}

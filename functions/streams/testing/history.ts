import type { Principal } from '../../../domain/access/roles';
import type { AuditEntry } from '../../../domain/audit/audit';
import { seedProducts } from '../../../domain/catalogue/products';
import type { Client } from '../../../domain/clients/client';
import { newClient } from '../../../domain/clients/new-client';
import { completeEvent, EventInput, markMissed, newEvent, type CrmEvent } from '../../../domain/events/event';
import { newOpportunity, OpportunityInput, patchOpportunity, type Opportunity, type OpportunityPatch } from '../../../domain/pipeline/opportunity';
import { changeStage, StageChangeInput } from '../../../domain/pipeline/stage-change';
import { seedStages } from '../../../domain/pipeline/stages';
import { deactivated, newStaff, withNewReport } from '../../../domain/staff/hierarchy';
import type { Staff, StaffInput } from '../../../domain/staff/staff';
import { withStatus, type Message, type MessageStatus } from '../../../domain/messages/message';
import type { z } from 'zod';
import { auditItem, clientItem, staffItem, toItem, type Item, type TransactItem } from '../../lib/store/items';
import { keys } from '../../lib/store/keys';
import type { ItemChange } from '../item-change';

/**
 * A history of changes as the table's stream would carry them, made by the real domain functions
 * and the store's own item codec (toItem, auditItem, keys): what the repositories write for each
 * use case, in the order of a transaction. For tests and benchmarks of the stream → events →
 * facts path without a DynamoDB in between (the path through DynamoDB Local is proven by the
 * local pipeline's integration tests, and by backfill versus live on the same history).
 *
 * Ids are deterministic (`n` counts up), and so is time: each operation is at the instant given.
 */
export class History {
  readonly changes: ItemChange[] = [];
  private readonly items = new Map<string, Item>();
  private n = 0;

  constructor(readonly tenantId: string) {}

  private id(prefix: string, width = 26) {
    return `${prefix}${String(++this.n).padStart(width, '0')}`;
  }

  /** Records the writes of one transaction: each put becomes an INSERT or a MODIFY of the item it replaces. */
  private write(items: readonly Item[], at: Date) {
    for (const item of items) {
      const key = `${String(item.pk)}|${String(item.sk)}`;
      const old = this.items.get(key);
      this.items.set(key, item);
      this.changes.push({ sourceId: `h${String(this.changes.length + 1).padStart(8, '0')}`, kind: old ? 'MODIFY' : 'INSERT', newItem: item, ...(old && { oldItem: old }), recordedAt: at });
    }
  }

  private audit(entity: AuditEntry['entity'], entityId: string, action: AuditEntry['action'], actor: string, at: Date, before: unknown, after: unknown): AuditEntry {
    return { id: this.id('a', 20), entity, entityId, action, actor, at: at.toISOString(), ...(before !== undefined && { before }), ...(after !== undefined && { after }) };
  }

  private auditInClient(clientId: string, scopeId: string, a: AuditEntry): Item {
    return (auditItem('crm', this.tenantId, keys.clientAudit(this.tenantId, clientId, a.at, a.id), scopeId, a) as TransactItem & { Put: { Item: Item } }).Put.Item;
  }

  /** An integration's record disagreed with the client and the CRM's value was kept (#13): an audit entry, no change. */
  syncConflict(connectionId: string, at: Date, client: Client, conflict: { field: string; crm: unknown; source: unknown }): void {
    const a: AuditEntry = {
      ...this.audit('client', client.id, 'sync_conflict', `integration:${connectionId}`, at, undefined, undefined),
      actorRole: 'tenant_admin',
      source: { connectionId, provider: 'quickbooks', externalId: '58' },
      conflicts: [{ ...conflict, kept: 'crm', why: 'the CRM owns contact fields: a salesperson set it' }],
    };
    this.write([this.auditInClient(client.id, client.id, a)], at);
  }

  /** An outbound webhook subscription created (#15): its item publishes nothing, its audit entry audit.recorded v3. */
  webhook(actor: Principal, at: Date, url: string): void {
    const w = { id: this.id('wh_'), url, events: ['opportunity.*'], description: '', enabled: true, secretCreatedAt: at.toISOString(), createdBy: actor.staffId, createdAt: at.toISOString(), updatedBy: actor.staffId, updatedAt: at.toISOString(), version: 1 };
    const a: AuditEntry = { ...this.audit('webhook', w.id, 'created', actor.staffId, at, undefined, w), actorRole: actor.role };
    this.write([toItem('webhook', this.tenantId, keys.webhook(this.tenantId, w.id), w), (auditItem('crm', this.tenantId, keys.webhookAudit(this.tenantId, a.at, a.id), w.id, a) as TransactItem & { Put: { Item: Item } }).Put.Item], at);
  }

  client(actor: Principal, at: Date, input: { companyName: string; mobile: string }): Client {
    const client = newClient({ ownerName: 'Owner', ...input }, { id: `c_${this.id('', 26)}`, staffId: actor.staffId, now: at });
    this.write([clientItem(this.tenantId, client), this.auditInClient(client.id, client.id, this.audit('client', client.id, 'created', actor.staffId, at, undefined, client))], at);
    return client;
  }

  /** An edit of the client's fields (not its contact points: their index items are not stream events). */
  editClient(actor: Principal, at: Date, before: Client, patch: Partial<Pick<Client, 'landmark' | 'address' | 'ownerName'>>): Client {
    const after: Client = { ...before, ...patch, updatedBy: actor.staffId, updatedAt: at.toISOString(), version: before.version + 1 };
    this.write([clientItem(this.tenantId, after), this.auditInClient(after.id, after.id, this.audit('client', after.id, 'updated', actor.staffId, at, before, after))], at);
    return after;
  }

  /** A merge (#12) as the client items see it: the merged client claimed by the survivor, then done. */
  merge(actor: Principal, at: Date, survivor: Client, merged: Client): void {
    const claimed = { ...clientItem(this.tenantId, { ...merged, updatedBy: actor.staffId, updatedAt: at.toISOString(), version: merged.version + 1 }), mergedInto: survivor.id, mergeState: 'moving' };
    this.write([claimed], at);
    this.write([{ ...claimed, mergeState: 'done' }], at);
  }

  opportunity(actor: Principal, at: Date, clientId: string, input: z.input<typeof OpportunityInput>): Opportunity {
    const o = newOpportunity(OpportunityInput.parse(input), {
      id: `o_${clientId.slice(2)}${this.id('', 26)}`,
      clientId,
      actor,
      now: at,
      product: seedProducts.find((p) => p.id === input.productId),
      stagesConfig: seedStages,
      currency: 'INR',
    });
    this.write([this.opportunityItem(o), this.auditInClient(clientId, o.id, this.audit('opportunity', o.id, 'created', actor.staffId, at, undefined, o))], at);
    return o;
  }

  patch(actor: Principal, at: Date, before: Opportunity, patch: OpportunityPatch): Opportunity {
    const after = patchOpportunity(before, patch, { now: at, actor, stagesConfig: seedStages });
    this.write([this.opportunityItem(after), this.auditInClient(after.clientId, after.id, this.audit('opportunity', after.id, 'updated', actor.staffId, at, before, after))], at);
    return after;
  }

  /** A stage move; `closer` is the closing owner's staff record when the move wins the deal. */
  move(actor: Principal, at: Date, before: Opportunity, cmd: z.input<typeof StageChangeInput>, closer?: { role: string; active: boolean }): Opportunity {
    const { opportunity, transition } = changeStage(before, StageChangeInput.parse(cmd), { actor, now: at, stagesConfig: seedStages, leadOwnerCreditPercent: 50, ...(closer && { closer }) });
    this.write(
      [
        this.opportunityItem(opportunity),
        this.auditInClient(opportunity.clientId, opportunity.id, this.audit('opportunity', opportunity.id, 'stage_changed', actor.staffId, at, before, opportunity)),
        toItem('stage_transition', this.tenantId, keys.transition(this.tenantId, transition.clientId, transition.opportunityId, transition.seq), transition),
      ],
      at,
    );
    return opportunity;
  }

  event(actor: Principal, at: Date, o: Opportunity, input: z.input<typeof EventInput>): CrmEvent {
    const e = newEvent(EventInput.parse(input), { id: `e_${o.clientId.slice(2)}${this.id('', 26)}`, opportunityId: o.id, clientId: o.clientId, productId: o.productId, actor, now: at });
    this.write([this.eventItem(e), this.auditInClient(e.clientId, e.opportunityId, this.audit('event', e.id, 'created', actor.staffId, at, undefined, e))], at);
    return e;
  }

  complete(actor: Principal, at: Date, before: CrmEvent, input: { feedback?: unknown; remarks?: string } = {}): { event: CrmEvent; created?: CrmEvent } {
    const result = completeEvent(before, input, { now: at, actor, newId: () => `e_${before.clientId.slice(2)}${this.id('', 26)}` });
    this.write(
      [
        this.eventItem(result.event),
        ...(result.created ? [this.eventItem(result.created)] : []),
        this.auditInClient(before.clientId, before.opportunityId, this.audit('event', before.id, 'completed', actor.staffId, at, before, result.event)),
        ...(result.created ? [this.auditInClient(before.clientId, before.opportunityId, this.audit('event', result.created.id, 'created', actor.staffId, at, undefined, result.created))] : []),
      ],
      at,
    );
    return result;
  }

  /** The missed sweep at `at`: every given Pending event past its grace is marked Missed. */
  sweep(at: Date, events: readonly CrmEvent[], graceMinutes = 120): CrmEvent[] {
    const missed = markMissed(events, at, graceMinutes);
    for (const e of missed) {
      const before = events.find((x) => x.id === e.id)!;
      this.write([this.eventItem(e), this.auditInClient(e.clientId, e.opportunityId, this.audit('event', e.id, 'missed', e.updatedBy ?? 'system', at, before, e))], at);
    }
    return missed;
  }

  staff(actor: Principal, at: Date, input: StaffInput, manager?: Staff): Staff {
    const s = newStaff(input, manager, at, actor.staffId);
    // The manager gains a report: their version moves on in the same transaction (createStaff).
    const team = manager ? [staffItem(this.tenantId, withNewReport(manager, { now: at, actor: actor.staffId }))] : [];
    this.write([staffItem(this.tenantId, s), ...team, this.staffAudit(this.audit('staff', s.staffId, 'created', actor.staffId, at, undefined, s))], at);
    return s;
  }

  deactivate(actor: Principal, at: Date, s: Staff): Staff {
    const after = deactivated(s, { now: at, actor: actor.staffId });
    this.write([staffItem(this.tenantId, after), this.staffAudit(this.audit('staff', s.staffId, 'deactivated', actor.staffId, at, s, after))], at);
    return after;
  }

  config(actor: Principal, at: Date, name: 'PRODUCTS' | 'STAGES', value: unknown, version: number): void {
    const field = name === 'PRODUCTS' ? 'products' : 'stages';
    const a = this.audit('config', name, 'updated', actor.staffId, at, undefined, value);
    this.write(
      [
        toItem('config', this.tenantId, keys.config(this.tenantId, name), { [field]: value, version, updatedBy: actor.staffId, updatedAt: at.toISOString() }),
        (auditItem('crm', this.tenantId, keys.configAudit(this.tenantId, name, a.at, a.id), name, a) as TransactItem & { Put: { Item: Item } }).Put.Item,
      ],
      at,
    );
  }

  /** A message stored on a client's thread (#14): one we sent (`createdBy` the sender) or one that arrived (`system`). */
  message(at: Date, clientId: string, m: Pick<Message, 'channel' | 'direction' | 'from' | 'to' | 'text' | 'createdBy'> & Partial<Pick<Message, 'opportunityId' | 'subject'>>): Message {
    const message: Message = {
      id: `m_${clientId.slice(2)}${this.id('', 26)}`,
      clientId,
      ...m,
      attachments: [],
      providerMessageId: m.channel === 'email' ? `<${this.id('h', 20)}@reply.crm.example>` : `wamid.${this.id('', 20)}`,
      status: m.direction === 'inbound' ? 'received' : 'sent',
      statusAt: at.toISOString(),
      createdAt: at.toISOString(),
      version: 1,
    };
    this.write([toItem('message', this.tenantId, keys.message(this.tenantId, clientId, message.id), message)], at);
    return message;
  }

  /** A provider's status update of a message we sent, forward only (domain/messages/message.ts withStatus). */
  messageStatus(at: Date, before: Message, status: MessageStatus, error?: { code: string; message: string }): Message {
    const after = withStatus(before, status, at.toISOString(), error) ?? before;
    if (after !== before) this.write([toItem('message', this.tenantId, keys.message(this.tenantId, before.clientId, before.id), after)], at);
    return after;
  }

  private staffAudit(a: AuditEntry): Item {
    return (auditItem('crm', this.tenantId, keys.staffAudit(this.tenantId, a.at, a.id), a.entityId, a) as TransactItem & { Put: { Item: Item } }).Put.Item;
  }

  private opportunityItem(o: Opportunity): Item {
    return toItem('opportunity', this.tenantId, { ...keys.opportunity(this.tenantId, o.clientId, o.id), ...keys.opportunityIndexes(this.tenantId, o) }, o);
  }

  private eventItem(e: CrmEvent): Item {
    return toItem('event', this.tenantId, { ...keys.event(this.tenantId, e.clientId, e.id), ...keys.eventIndexes(this.tenantId, e) }, e);
  }
}

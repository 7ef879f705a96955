import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { z } from 'zod';
import { toBusEntry } from '../events/bus';
import { catalog, type EventContract } from '../events/catalog';
import type { DomainEvent } from '../events/contract';
import { domainEventsOf } from '../functions/streams/mappers';
import { History } from '../functions/streams/testing/history';

/**
 * `npm run events`: publishes what is new in the catalogue — for each contract version without
 * them, a fixture (events/fixtures/<name>.v<version>.json: the event as a queue receives it, made by
 * the real mappers from a real history) and a schema snapshot (events/contracts/…, the JSON schema
 * its consumers may rely on). Published files are never rewritten: a change that would break one
 * fails events/catalog.test.ts, and the answer is a new version.
 */
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const FIXTURES_DIR = join(root, 'events/fixtures');
export const CONTRACTS_DIR = join(root, 'events/contracts');
export const fileOf = (c: { name: string; version: number }) => `${c.name}.v${c.version}.json`;

export const contractSchema = (c: EventContract) => {
  const { $schema: _drop, ...schema } = z.toJSONSchema(c.detail, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  return schema;
};

/** A day in the life of tenant demo: every kind of change the system publishes, at least once. */
export function sampleHistory(): DomainEvent[] {
  const h = new History('demo');
  const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;
  const tse = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
  const manager = { tenantId: 'demo', staffId: 'manager', role: 'manager' } as const;
  const at = (hhmm: string) => new Date(`2026-12-01T${hhmm}:00.000+05:30`);
  const mgr = h.staff(admin, at('09:00'), { staffId: 'manager', name: 'Manoj Manager', email: 'manager@demo.example', role: 'manager' });
  const tse2 = h.staff(admin, at('09:01'), { staffId: 'tse-2', name: 'Tomy TSE', email: 'tse-2@demo.example', role: 'tse', managerId: 'manager' }, mgr);
  h.config(admin, at('09:02'), 'STAGES', [{ stage: 'Lead', multiplier: 50 }], 1);
  const client = h.editClient(tse, at('10:01'), h.client(tse, at('10:00'), { companyName: 'Sree Jewellers', mobile: '9847012345' }), { landmark: 'Near the temple' });
  let o = h.opportunity(tse, at('10:05'), client.id, { productId: 'jewellery' });
  o = h.patch(tse, at('10:10'), o, { dealValue: 3_500_000 });
  const call = h.event(tse, at('10:15'), o, { type: 'Call', scheduledAt: '2026-12-01T11:00:00+05:30' });
  h.complete(tse, at('11:05'), call, { remarks: 'interested' });
  o = h.move(tse, at('11:10'), o, { stage: 'Demo' });
  const demo = h.event(tse, at('11:15'), o, { type: 'DemoScheduled', scheduledAt: '2026-12-02T11:00:00+05:30' });
  h.complete(tse, at('15:00'), demo, {
    feedback: {
      customerFeedback: 'Liked the billing module',
      requirementDetails: 'GST invoices, 3 branches',
      suggestions: 'Offer the annual plan',
      budget: 3_000_000,
      expectedClosingTimeline: '2026-12-20',
      competitorInfo: 'Zoho quoted ₹28,000',
      staffRemarks: 'Decision maker present',
      customerCommitments: 'Visit next week',
    },
  });
  const followUp = h.event(tse, at('15:05'), o, { type: 'Call', scheduledAt: '2026-12-01T16:00:00+05:30' });
  h.sweep(at('18:30'), [followUp]);
  o = h.patch(manager, at('18:40'), o, { assignedTo: 'tse-2' });
  o = h.move(manager, at('18:45'), o, { stage: 'Closed', outcome: 'Won', closingOwner: 'tse-2' }, { role: 'tse', active: true });
  const other = h.opportunity(tse, at('19:00'), client.id, { productId: 'website' });
  h.move(tse, at('19:05'), other, { stage: 'Closed', outcome: 'Lost', reason: 'price' });
  h.merge(manager, at('19:30'), client, h.client(tse, at('19:20'), { companyName: 'Sri Jewellers', mobile: '9847012346' }));
  h.deactivate(admin, at('20:00'), tse2);
  const sent = h.message(at('19:40'), client.id, { channel: 'whatsapp', direction: 'outbound', from: 'whatsapp', to: ['+919847012345'], text: 'Your invoice is ready', createdBy: 'tse-2', opportunityId: o.id });
  h.messageStatus(at('19:41'), sent, 'delivered');
  h.message(at('19:45'), client.id, { channel: 'whatsapp', direction: 'inbound', from: '+919847012345', to: ['106540352242922'], text: 'Thank you!', createdBy: 'system' });
  h.syncConflict('ic_01kbz3q5v8r2m7n4p6t9w1x3y5', at('20:30'), client, { field: 'ownerName', crm: 'Owner', source: 'R. Owner' });
  h.webhook(admin, at('20:45'), 'https://hooks.example.com/crm');
  return h.changes.flatMap((change) => domainEventsOf(change).events);
}

/** The event as EventBridge hands it to a rule's SQS target. */
export const asQueueMessage = (event: DomainEvent, n: number) => {
  const entry = toBusEntry(event);
  return {
    version: '0',
    id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    'detail-type': entry.DetailType,
    source: entry.Source,
    account: '123456789012',
    time: entry.Time.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    region: 'ap-south-1',
    resources: [],
    detail: event,
  };
};

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const events = sampleHistory();
  mkdirSync(CONTRACTS_DIR, { recursive: true });
  for (const [i, contract] of catalog.entries()) {
    const file = fileOf(contract);
    if (!existsSync(join(FIXTURES_DIR, file))) {
      const sample = events.find((e) => e.type === contract.name && e.version === contract.version);
      if (!sample) throw new Error(`the sample history publishes no ${contract.name} v${contract.version}: extend sampleHistory()`);
      writeFileSync(join(FIXTURES_DIR, file), `${JSON.stringify(asQueueMessage(sample, i + 1), null, 2)}\n`);
      console.log(`wrote fixture ${file}`);
    }
    if (!existsSync(join(CONTRACTS_DIR, file))) {
      writeFileSync(join(CONTRACTS_DIR, file), `${JSON.stringify(contractSchema(contract as unknown as EventContract), null, 2)}\n`);
      console.log(`wrote contract ${file}`);
    }
  }
}

import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import type { StaffInput } from '../domain/staff/staff';
import { contextOf } from '../functions/lib/use-cases/context';
import type { Services } from '../functions/lib/use-cases/ports';
import { createStaff } from '../functions/lib/use-cases/staff';
import { provisionTenant } from '../functions/lib/use-cases/tenants';
import { runOnStack } from './local/control';
import { seedHistory, type HistorySummary } from './seed-history';

/** DESIGN §6 local demo data: tenants demo and acme, each with the same five staff. */
export const demoTenants = [
  { tenantId: 'demo', name: 'Demo Traders' },
  { tenantId: 'acme', name: 'Acme Finance' },
] as const;

export const demoStaff: readonly { staffId: string; name: string; role: StaffInput['role']; managerId?: string }[] = [
  { staffId: 'admin', name: 'Asha Admin', role: 'tenant_admin' },
  { staffId: 'manager', name: 'Manoj Manager', role: 'manager', managerId: 'admin' },
  { staffId: 'so-1', name: 'Sona Sales Officer', role: 'sales_officer', managerId: 'manager' },
  { staffId: 'tse-1', name: 'Tara TSE', role: 'tse', managerId: 'manager' },
  { staffId: 'tse-2', name: 'Tomy TSE', role: 'tse', managerId: 'manager' },
];

const emailOf = (tenantId: string, staffId: string) => `${staffId}@${tenantId}.example`;

/**
 * Provisions each demo tenant unless it exists, through the same use cases as the API: the tenant
 * with its first admin (as a platform admin), then the rest of the staff (as that admin). Returns
 * the ids it created.
 */
export async function seedDemo(services: Services, now: Date): Promise<string[]> {
  const created: string[] = [];
  const [admin, ...others] = demoStaff;
  for (const t of demoTenants) {
    const platform = contextOf({ tenantId: t.tenantId, staffId: 'platform', role: 'platform_admin' }, now, services);
    const provisioned = await provisionTenant(platform, {
      settings: { tenantId: t.tenantId, name: t.name },
      admin: { staffId: admin!.staffId, name: admin!.name, email: emailOf(t.tenantId, admin!.staffId) },
    });
    if (!provisioned.created) continue;
    const asAdmin = contextOf({ tenantId: t.tenantId, staffId: admin!.staffId, role: 'tenant_admin' }, now, services);
    for (const s of others) await createStaff(asAdmin, { ...s, email: emailOf(t.tenantId, s.staffId) });
    created.push(t.tenantId);
  }
  return created;
}

export const SeedArgs = z.strictObject({
  tenant: z.enum(demoTenants.map((t) => t.tenantId) as [string, ...string[]]).default('demo'),
  weeks: z.coerce.number().int().min(1).max(26).default(4),
});
export type SeedArgs = z.input<typeof SeedArgs>;

/** The demo tenants (if missing), then `weeks` of history for one of them, dated up to yesterday. */
export async function runSeed(services: Services, raw: SeedArgs, now = new Date()): Promise<HistorySummary> {
  const args = SeedArgs.parse(raw);
  await seedDemo(services, now);
  return seedHistory(services, { tenantId: args.tenant, weeks: args.weeks, now });
}

/**
 * `npm run seed [-- --tenant demo --weeks 4]`: through the running `npm start` when there is one
 * (its pipeline loads the facts), else on a stack of its own over .local/, stopped once every fact
 * is loaded.
 */
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({ options: { tenant: { type: 'string' }, weeks: { type: 'string' } } });
  const args = SeedArgs.parse({ ...(values.tenant && { tenant: values.tenant }), ...(values.weeks && { weeks: values.weeks }) });
  const dataDir = resolve(process.env.CRM_DATA_DIR ?? '.local');
  const { where, result } = await runOnStack(dataDir, 'seed', args, async () => {
    const { startLocalStack } = await import('./local/stack');
    const stack = await startLocalStack({ dataDir, port: 0 });
    try {
      const { getServices } = await import('../functions/lib/services');
      const summary = await runSeed(getServices(), args);
      await stack.pipeline!.poller.caughtUp();
      await stack.pipeline!.bus.idle();
      return summary;
    } finally {
      await stack.stop();
    }
  });
  console.log(`seed (${where}):`, JSON.stringify(result));
  process.exit(0);
}

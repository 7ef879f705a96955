import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { Slug } from '../domain/access/roles';
import { JobName } from '../events/jobs';
import type { JobSummary } from '../functions/lib/use-cases/jobs';
import { runOnStack } from './local/control';

/**
 * `npm run job -- <missed-sweep|daily-tasks|gap-analysis> --at <ISO instant> [--tenant demo]`:
 * runs a job once as if at that instant, for every tenant (or one), whatever their local hour —
 * through the running `npm start` when there is one (chDB allows one process per data directory),
 * else on a stack of its own over .local/. Running it twice for the same instant creates nothing
 * twice.
 */
export const JobArgs = z.strictObject({
  job: JobName,
  at: z.iso.datetime({ offset: true }).transform((s) => new Date(s).toISOString()),
  tenant: Slug.optional(),
});
export type JobArgs = z.input<typeof JobArgs>;

export async function runJobCommand(raw: Record<string, unknown>): Promise<{ job: string; at: string; tenants: Record<string, JobSummary> }> {
  const args = JobArgs.parse(raw);
  const [{ getServices }, { runJob }, { nightlySender }, { getMailer }, { scheduledReportDeps }] = await Promise.all([
    import('../functions/lib/services'),
    import('../functions/lib/use-cases/jobs'),
    import('../functions/lib/use-cases/nightly'),
    import('../functions/lib/mail/mailer'),
    import('../functions/lib/use-cases/saved-reports'),
  ]);
  const services = getServices();
  const tenants = args.tenant ? [args.tenant] : await services.tenants.list();
  const out: Record<string, JobSummary> = {};
  const scheduledReports = args.job === 'scheduled-reports' ? await scheduledReportDeps(getMailer()) : undefined;
  for (const tenantId of tenants) out[tenantId] = await runJob({ services, sendNightly: nightlySender(getMailer()), ...(scheduledReports && { scheduledReports }) }, args.job, tenantId, new Date(args.at));
  return { job: args.job, at: args.at, tenants: out };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values, positionals } = parseArgs({ allowPositionals: true, options: { at: { type: 'string' }, tenant: { type: 'string' } } });
  const parsed = JobArgs.safeParse({ job: positionals[0], at: values.at ?? new Date().toISOString(), ...(values.tenant && { tenant: values.tenant }) });
  if (!parsed.success) {
    console.error(`usage: npm run job -- <${JobName.options.join('|')}> --at <ISO instant> [--tenant <id>]\n${z.prettifyError(parsed.error)}`);
    process.exit(2);
  }
  const args = { job: parsed.data.job, at: parsed.data.at, ...(parsed.data.tenant && { tenant: parsed.data.tenant }) };
  const dataDir = resolve(process.env.CRM_DATA_DIR ?? '.local');
  const { where, result } = await runOnStack(dataDir, 'job', args, async () => {
    const { startLocalStack } = await import('./local/stack');
    const stack = await startLocalStack({ dataDir, port: 0, schedules: false });
    try {
      const answer = await runJobCommand(args);
      await stack.pipeline!.poller.caughtUp();
      await stack.pipeline!.bus.idle();
      return answer;
    } finally {
      await stack.stop();
    }
  });
  console.log(`job (${where}):`, JSON.stringify(result, null, 2));
  process.exit(0);
}

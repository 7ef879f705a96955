// First: the tracer patches the SDK clients and HTTPS before anything creates one.
import '../lib/tracing';
import type { Context } from 'aws-lambda';
import { dueFor, JobName, type JobRequest } from '../../events/jobs';
import type { ScheduledInvocation } from '../../events/schedules';
import { getJobQueue } from '../lib/jobs/job-queue';
import { logger } from '../lib/logger';
import { getServices } from '../lib/services';

/**
 * A schedule's run (EventBridge Scheduler, or the local scheduler): one job request per tenant
 * due at the run's instant (the daily jobs at the tenant's local hour), onto the bus; the jobs
 * queue hands them to the consumer one tenant at a time. No tenant is worked on here.
 */
export async function handler(invocation: ScheduledInvocation, _context?: Context): Promise<{ requested: number }> {
  const job = JobName.parse(invocation.input.job);
  const at = new Date(invocation.scheduledTime);
  const services = getServices();
  const tenants = await services.tenants.list();
  const due: JobRequest[] = [];
  for (const tenantId of tenants) {
    const config = await services.tenants.config(tenantId);
    if (config && dueFor(job, at, config.settings.timeZone)) due.push({ job, tenantId, at: at.toISOString(), executionId: invocation.executionId });
  }
  if (due.length > 0) await getJobQueue().request(due);
  logger.info('jobs requested', { job, at: at.toISOString(), tenants: tenants.length, requested: due.length });
  return { requested: due.length };
}

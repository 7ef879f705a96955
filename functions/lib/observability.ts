import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';

/**
 * Metrics (CloudWatch EMF) with Powertools, one service per function group
 * (POWERTOOLS_SERVICE_NAME, set by infra/constructs/crm-function.ts; the alarms of
 * infra/stacks/monitoring.ts read the `service` dimension). Outside Lambda (the local stack, the
 * tests) they are off unless POWERTOOLS_METRICS_DISABLED says otherwise, so no EMF line lands on
 * a developer's console. Traces: functions/lib/tracing.ts.
 */
if (!process.env.AWS_LAMBDA_FUNCTION_NAME && process.env.POWERTOOLS_METRICS_DISABLED === undefined) process.env.POWERTOOLS_METRICS_DISABLED = 'true';

export const metrics = new Metrics({ namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Crm' });

/** The custom metrics, each a count (README "Monitoring"). */
export type CrmMetric =
  | 'Requests'
  | 'DomainEventsPublished'
  | 'FactsLoaded'
  | 'ClickHouseFailures'
  | 'AlertsRaised'
  // Outbound webhooks (#15): deliveries made by the fan-out, attempts that got a 2xx or not, endpoints turned off.
  | 'WebhookDeliveriesQueued'
  | 'WebhookDelivered'
  | 'WebhookAttemptFailed'
  | 'WebhookEndpointsDisabled';

export function count(name: CrmMetric, n = 1): void {
  if (n > 0) metrics.addMetric(name, MetricUnit.Count, n);
}

/** Writes what the invocation counted as one EMF line (nothing when it counted nothing). */
export function flushMetrics(): void {
  if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
}

type Capture = <T>(client: T) => T;
let capture: Capture | undefined;

/** functions/lib/tracing.ts plugs Powertools Tracer in; without it, clients are left as they are. */
export function installClientCapture(fn: Capture): void {
  capture = fn;
}

/**
 * An SDK v3 client whose calls become subsegments of the invocation's X-Ray trace, in the
 * functions that load the tracer (the event pipeline and the jobs). The HTTP routes do not: the
 * tracer and the X-Ray SDK add ~120 KB and ~50 ms to a cold start (npm run bench:cold), so a
 * route's trace is Lambda's own segment (active tracing) without SDK subsegments.
 */
export const traced = <T>(client: T): T => (capture ? capture(client) : client);

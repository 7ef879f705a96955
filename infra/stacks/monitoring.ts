import { Duration, Stack, type StackProps } from 'aws-cdk-lib';
import type { IHttpApi } from 'aws-cdk-lib/aws-apigatewayv2';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { METRICS_NAMESPACE, type CrmFunction } from '../constructs/crm-function';

/** A group of functions alarmed together, under the Powertools service name they share. */
export interface FunctionGroup {
  readonly name: string;
  readonly functions: readonly CrmFunction[];
  /** A request path: a few errors are a client's bad luck, not an outage. Pipelines alarm on the first. */
  readonly kind: 'api' | 'pipeline';
}

export interface MonitoringStackProps extends StackProps {
  readonly groups: readonly FunctionGroup[];
  /** The DynamoDB stream's consumer: how far behind the table it reads. */
  readonly streamPublisher: CrmFunction;
  /** Every dead-letter queue, and the stream publisher's on-failure queue, by a readable name. */
  readonly deadLetterQueues: readonly { name: string; queue: IQueue }[];
  readonly api: IHttpApi;
  /** The schedule group the jobs' schedules are in. */
  readonly scheduleGroupName: string;
  /** Who hears the alarms (subscribed by email; confirm the subscription once). */
  readonly alarmEmail?: string;
}


/**
 * Thresholds, written once (README "Monitoring" explains each). Periods are 5 minutes unless
 * said; missing data is never a breach (a quiet night is not an outage).
 */
export const thresholds = {
  apiErrors: 5,
  pipelineErrors: 1,
  throttles: 1,
  /** The publisher a minute behind the table for 5 minutes running: dashboards are going stale. */
  iteratorAgeMs: 60_000,
  deadLetters: 1,
  /** A dead letter left three days (of its 14) unhandled. */
  deadLetterAgeSeconds: 3 * 24 * 3600,
  /** Percent of requests answered 5xx, when at least 20 requests came in the period. */
  api5xxPercent: 1,
  api5xxMinRequests: 20,
  apiP99LatencyMs: 2_000,
  clickHouseFailures: 1,
  schedulerFailures: 1,
} as const;

const period = Duration.minutes(5);

/**
 * Alarms to one SNS topic an operator subscribes to, and one dashboard of the same metrics
 * (#11 item 2): Lambda errors and throttles per function group, the stream publisher's iterator
 * age, every dead-letter queue's depth and age, the API's 5xx rate and p99 latency, the loader's
 * ClickHouse failures and the scheduler's failed and dropped invocations.
 */
export class MonitoringStack extends Stack {
  readonly topic: sns.Topic;
  readonly alarms: cloudwatch.Alarm[] = [];
  readonly dashboard: cloudwatch.Dashboard;

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id, props);
    // A key of our own: CloudWatch can publish to a topic under it (the AWS-managed SNS key's
    // policy cannot be changed to let it).
    const key = new kms.Key(this, 'AlarmTopicKey', { enableKeyRotation: true, description: 'Encrypts the CRM alarm topic' });
    key.addToResourcePolicy(
      new iam.PolicyStatement({
        principals: [new iam.ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:SourceAccount': this.account } },
      }),
    );
    this.topic = new sns.Topic(this, 'AlarmTopic', { displayName: 'CRM alarms', masterKey: key, enforceSSL: true });
    if (props.alarmEmail) this.topic.addSubscription(new subscriptions.EmailSubscription(props.alarmEmail));
    const action = new SnsAction(this.topic);

    const alarm = (id: string, metric: cloudwatch.IMetric, threshold: number, description: string, opts: { evaluationPeriods?: number; datapointsToAlarm?: number } = {}) => {
      const a = new cloudwatch.Alarm(this, id, {
        alarmDescription: description,
        metric,
        threshold,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
        evaluationPeriods: opts.evaluationPeriods ?? 1,
        datapointsToAlarm: opts.datapointsToAlarm ?? opts.evaluationPeriods ?? 1,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      });
      a.addAlarmAction(action);
      a.addOkAction(action);
      this.alarms.push(a);
      return a;
    };
    const widgets: cloudwatch.IWidget[][] = [];

    // Lambda errors and throttles per function group: a sum over the group's functions, in chunks
    // of 10 (a metric-math alarm reads at most 10 metrics).
    for (const group of props.groups) {
      const chunks = chunk(group.functions, 10);
      const errors: cloudwatch.MathExpression[] = [];
      const throttles: cloudwatch.MathExpression[] = [];
      chunks.forEach((fns, i) => {
        const part = chunks.length > 1 ? ` (${i + 1}/${chunks.length})` : '';
        // Ids unique within a graph: the errors and throttles of every chunk share one.
        const sum = (prefix: string, metric: (fn: CrmFunction) => cloudwatch.Metric, label: string) => {
          const id = (k: number) => `${prefix}${i}_${k}`;
          return new cloudwatch.MathExpression({ expression: fns.map((_, k) => id(k)).join(' + '), usingMetrics: Object.fromEntries(fns.map((fn, k) => [id(k), metric(fn)])), label, period });
        };
        const e = sum('errors', (fn) => fn.lambda.metricErrors({ period, statistic: 'Sum' }), `${group.name} errors${part}`);
        const t = sum('throttles', (fn) => fn.lambda.metricThrottles({ period, statistic: 'Sum' }), `${group.name} throttles${part}`);
        const threshold = group.kind === 'api' ? thresholds.apiErrors : thresholds.pipelineErrors;
        alarm(`${group.name}Errors${i || ''}`, e, threshold, `${group.name}${part}: ${threshold} or more Lambda errors in 5 minutes`);
        alarm(`${group.name}Throttles${i || ''}`, t, thresholds.throttles, `${group.name}${part}: Lambda throttled (concurrency exhausted)`);
        errors.push(e);
        throttles.push(t);
      });
      widgets.push([new cloudwatch.GraphWidget({ title: `${group.name}: errors and throttles`, left: errors, right: throttles, width: 12 })]);
    }

    const iteratorAge = props.streamPublisher.lambda.metric('IteratorAge', { statistic: 'Maximum', period: Duration.minutes(1) });
    alarm('StreamPublisherIteratorAge', iteratorAge, thresholds.iteratorAgeMs, 'The stream publisher reads the table a minute or more behind, 5 minutes running', { evaluationPeriods: 5 });

    const dlqWidgets: cloudwatch.IMetric[] = [];
    for (const { name, queue } of props.deadLetterQueues) {
      const depth = queue.metricApproximateNumberOfMessagesVisible({ statistic: 'Maximum', period, label: `${name} depth` });
      const age = queue.metricApproximateAgeOfOldestMessage({ statistic: 'Maximum', period, label: `${name} oldest (s)` });
      alarm(`${name}DeadLetters`, depth, thresholds.deadLetters, `${name}: a message reached the dead-letter queue (npm run replay)`);
      alarm(`${name}DeadLetterAge`, age, thresholds.deadLetterAgeSeconds, `${name}: a dead letter has waited three days; it is deleted after 14`);
      dlqWidgets.push(depth);
    }

    const apiMetric = (metricName: string, statistic: string) => new cloudwatch.Metric({ namespace: 'AWS/ApiGateway', metricName, dimensionsMap: { ApiId: props.api.apiId }, statistic, period });
    const rate5xx = new cloudwatch.MathExpression({
      expression: `IF(requests >= ${thresholds.api5xxMinRequests}, 100 * errors / requests, 0)`,
      usingMetrics: { errors: apiMetric('5xx', 'Sum'), requests: apiMetric('Count', 'Sum') },
      label: 'API 5xx (%)',
      period,
    });
    alarm('Api5xxRate', rate5xx, thresholds.api5xxPercent, `1 % or more of API requests answered 5xx (at least ${thresholds.api5xxMinRequests} requests), in 2 of 3 periods`, {
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
    });
    const p99 = apiMetric('Latency', 'p99');
    alarm('ApiLatencyP99', p99, thresholds.apiP99LatencyMs, 'API p99 latency 2 s or more, 15 minutes running', { evaluationPeriods: 3 });

    const clickHouseFailures = new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName: 'ClickHouseFailures', dimensionsMap: { service: 'crm-analytics' }, statistic: 'Sum', period });
    alarm('LoaderClickHouseFailures', clickHouseFailures, thresholds.clickHouseFailures, 'The analytics loader could not insert into ClickHouse (the batch is retried; facts are going stale)');

    const scheduler = (metricName: string) => new cloudwatch.Metric({ namespace: 'AWS/Scheduler', metricName, dimensionsMap: { ScheduleGroup: props.scheduleGroupName }, statistic: 'Sum', period });
    alarm('SchedulerTargetErrors', scheduler('TargetErrorCount'), thresholds.schedulerFailures, 'A schedule could not invoke the jobs dispatcher');
    alarm('SchedulerDropped', scheduler('InvocationDroppedCount'), thresholds.schedulerFailures, 'A scheduled job run was dropped after its retries');

    const custom = (metricName: string, service: string) => new cloudwatch.Metric({ namespace: METRICS_NAMESPACE, metricName, dimensionsMap: { service }, statistic: 'Sum', period, label: metricName });
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: `${this.stackName}`,
      defaultInterval: Duration.hours(6),
      widgets: [
        [
          new cloudwatch.GraphWidget({ title: 'API 5xx rate (%)', left: [rate5xx], width: 8 }),
          new cloudwatch.GraphWidget({ title: 'API latency p99 (ms)', left: [p99], width: 8 }),
          new cloudwatch.GraphWidget({ title: 'API requests', left: [apiMetric('Count', 'Sum')], width: 8 }),
        ],
        [
          new cloudwatch.GraphWidget({ title: 'Stream publisher iterator age (ms)', left: [iteratorAge], width: 8 }),
          new cloudwatch.GraphWidget({ title: 'Dead letters', left: dlqWidgets, width: 8 }),
          new cloudwatch.GraphWidget({
            title: 'Events, facts and alerts',
            left: [custom('DomainEventsPublished', 'crm-events'), custom('FactsLoaded', 'crm-analytics'), custom('AlertsRaised', 'crm-schedules')],
            right: [clickHouseFailures],
            width: 8,
          }),
        ],
        [new cloudwatch.GraphWidget({ title: 'Scheduler', left: [scheduler('InvocationAttemptCount'), scheduler('TargetErrorCount'), scheduler('InvocationDroppedCount')], width: 12 })],
        ...widgets,
        [new cloudwatch.AlarmStatusWidget({ title: 'Alarms', alarms: this.alarms, width: 24 })],
      ],
    });
  }
}

function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

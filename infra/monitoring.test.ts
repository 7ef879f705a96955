import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Stack, type CfnResource } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './constructs/crm-function';
import { routes } from '../functions/http/routes';
import { createCrmStacks, type CrmStacks } from './crm-stacks';

const cdkContext: Record<string, unknown> = JSON.parse(readFileSync(path.join(repoRoot, 'cdk.json'), 'utf8')).context;

type Resource = { Type: string; Properties: Record<string, any> };
type MetricStat = { Metric: { Namespace: string; MetricName: string; Dimensions: { Name: string; Value: unknown }[] }; Period: number; Stat: string };

/** An alarm as one line an operator reads: what it watches, how, and when it fires. */
function summary(a: Resource): string {
  const p = a.Properties;
  const rule = `≥ ${p.Threshold} in ${p.DatapointsToAlarm} of ${p.EvaluationPeriods}`;
  if (p.MetricName) return `${p.Namespace} ${p.MetricName} ${p.Statistic ?? p.ExtendedStatistic}/${p.Period}s ${rule}`;
  const stats = (p.Metrics as { Expression?: string; MetricStat?: MetricStat }[]).filter((m) => m.MetricStat).map((m) => m.MetricStat!);
  const expression = (p.Metrics as { Expression?: string; ReturnData?: boolean }[]).find((m) => m.ReturnData && m.Expression)?.Expression;
  const names = [...new Set(stats.map((s) => `${s.Metric.Namespace} ${s.Metric.MetricName} ${s.Stat}/${s.Period}s`))].join(', ');
  return `${expression ? `${expression.includes(' + ') || /^errors|^throttles/.test(expression) ? `sum of ${stats.length}` : expression} of ` : ''}${names} ${rule}`;
}

describe('Crm-Monitoring (#11 item 2)', () => {
  let stacks: CrmStacks;
  let template: Template;
  let alarms: Record<string, Resource>;
  const logicalId = (c: IConstruct) => Stack.of(c).getLogicalId(c.node.defaultChild as CfnResource);

  beforeAll(() => {
    const app = new App({ context: { ...cdkContext, 'aws:cdk:bundling-stacks': [], alarmEmail: 'ops@example.com' } });
    stacks = createCrmStacks(app);
    template = Template.fromStack(stacks.monitoring);
    alarms = template.findResources('AWS::CloudWatch::Alarm') as Record<string, Resource>;
  });

  it('raises each alarm on its metric and threshold (written out), to the topic, and says when it clears', () => {
    const byId = Object.fromEntries(Object.entries(alarms).map(([id, a]) => [id.replace(/[0-9A-F]{8}$/, ''), summary(a)]));
    const lambdaErrors = (n: number, threshold: number) => `sum of ${n} of AWS/Lambda Errors Sum/300s ≥ ${threshold} in 1 of 1`;
    const lambdaThrottles = (n: number) => `sum of ${n} of AWS/Lambda Throttles Sum/300s ≥ 1 in 1 of 1`;
    expect(byId).toEqual({
      AuthErrors: lambdaErrors(1, 5),
      AuthThrottles: lambdaThrottles(1),
      ApiMetaErrors: lambdaErrors(2, 5),
      ApiMetaThrottles: lambdaThrottles(2),
      // An alarm sums at most 10 functions' metrics: of 18 routes (with #14's threads, timeline, unread and attachments), eight are in a second alarm.
      ApiClientsErrors: lambdaErrors(10, 5),
      ApiClientsErrors1: lambdaErrors(8, 5),
      ApiClientsThrottles: lambdaThrottles(10),
      ApiClientsThrottles1: lambdaThrottles(8),
      ApiOpportunitiesErrors: lambdaErrors(7, 5),
      ApiOpportunitiesThrottles: lambdaThrottles(7),
      ApiEventsErrors: lambdaErrors(3, 5),
      ApiEventsThrottles: lambdaThrottles(3),
      // 13 routes (the message templates', #14): ten in the first alarm, three in the second.
      ApiConfigErrors: lambdaErrors(10, 5),
      ApiConfigErrors1: lambdaErrors(3, 5),
      ApiConfigThrottles: lambdaThrottles(10),
      ApiConfigThrottles1: lambdaThrottles(3),
      ApiStaffErrors: lambdaErrors(7, 5),
      ApiStaffThrottles: lambdaThrottles(7),
      ApiInsightsErrors: lambdaErrors(6, 5),
      ApiInsightsThrottles: lambdaThrottles(6),
      ApiWorkErrors: lambdaErrors(5, 5),
      ApiWorkThrottles: lambdaThrottles(5),
      ApiDataErrors: lambdaErrors(7, 5),
      ApiDataThrottles: lambdaThrottles(7),
      // 15 routes (#13): ten in the first alarm, five in the second.
      ApiIntegrationsErrors: lambdaErrors(10, 5),
      ApiIntegrationsErrors1: lambdaErrors(5, 5),
      ApiIntegrationsThrottles: lambdaThrottles(10),
      ApiIntegrationsThrottles1: lambdaThrottles(5),
      // The unassigned inbox (#14): its 3 routes.
      ApiInboxErrors: lambdaErrors(3, 5),
      ApiInboxThrottles: lambdaThrottles(3),
      // Outbound webhooks (#15): 11 routes, in alarms of at most 10 functions each.
      ApiWebhooksErrors: lambdaErrors(10, 5),
      ApiWebhooksErrors1: lambdaErrors(1, 5),
      ApiWebhooksThrottles: lambdaThrottles(10),
      ApiWebhooksThrottles1: lambdaThrottles(1),
      // Reports (#16): its 4 routes.
      ApiReportsErrors: lambdaErrors(10, 5),
      ApiReportsThrottles: lambdaThrottles(10),
      EventsErrors: lambdaErrors(1, 1),
      EventsThrottles: lambdaThrottles(1),
      AnalyticsErrors: lambdaErrors(2, 1),
      AnalyticsThrottles: lambdaThrottles(2),
      SchedulesErrors: lambdaErrors(2, 1),
      SchedulesThrottles: lambdaThrottles(2),
      DataWorkerErrors: lambdaErrors(1, 1),
      DataWorkerThrottles: lambdaThrottles(1),
      InboundWorkerErrors: lambdaErrors(1, 1),
      InboundWorkerThrottles: lambdaThrottles(1),
      // Outbound webhooks' delivery (#15): the fan-out consumer and the sender, and a dead-letter queue each.
      WebhookDeliveryErrors: lambdaErrors(2, 1),
      WebhookDeliveryThrottles: lambdaThrottles(2),
      WebhooksFanOutDeadLetters: 'AWS/SQS ApproximateNumberOfMessagesVisible Maximum/300s ≥ 1 in 1 of 1',
      WebhooksFanOutDeadLetterAge: 'AWS/SQS ApproximateAgeOfOldestMessage Maximum/300s ≥ 259200 in 1 of 1',
      WebhookSenderDeadLetters: 'AWS/SQS ApproximateNumberOfMessagesVisible Maximum/300s ≥ 1 in 1 of 1',
      WebhookSenderDeadLetterAge: 'AWS/SQS ApproximateAgeOfOldestMessage Maximum/300s ≥ 259200 in 1 of 1',
      // Inbound email (#14): the receiver SES invokes, and its on-failure queue.
      MailReceiverErrors: lambdaErrors(1, 1),
      MailReceiverThrottles: lambdaThrottles(1),
      InboundMailDeadLetters: 'AWS/SQS ApproximateNumberOfMessagesVisible Maximum/300s ≥ 1 in 1 of 1',
      InboundMailDeadLetterAge: 'AWS/SQS ApproximateAgeOfOldestMessage Maximum/300s ≥ 259200 in 1 of 1',
      // SES's feedback of client email (#14): its consumer and dead-letter queue.
      MailFeedbackErrors: lambdaErrors(1, 1),
      MailFeedbackThrottles: lambdaThrottles(1),
      MailFeedbackDeadLetters: 'AWS/SQS ApproximateNumberOfMessagesVisible Maximum/300s ≥ 1 in 1 of 1',
      MailFeedbackDeadLetterAge: 'AWS/SQS ApproximateAgeOfOldestMessage Maximum/300s ≥ 259200 in 1 of 1',
      StreamPublisherIteratorAge: 'AWS/Lambda IteratorAge Maximum/60s ≥ 60000 in 5 of 5',
      StreamPublisherDeadLetters: 'AWS/SQS ApproximateNumberOfMessagesVisible Maximum/300s ≥ 1 in 1 of 1',
      StreamPublisherDeadLetterAge: 'AWS/SQS ApproximateAgeOfOldestMessage Maximum/300s ≥ 259200 in 1 of 1',
      AnalyticsLoaderDeadLetters: 'AWS/SQS ApproximateNumberOfMessagesVisible Maximum/300s ≥ 1 in 1 of 1',
      AnalyticsLoaderDeadLetterAge: 'AWS/SQS ApproximateAgeOfOldestMessage Maximum/300s ≥ 259200 in 1 of 1',
      JobsDeadLetters: 'AWS/SQS ApproximateNumberOfMessagesVisible Maximum/300s ≥ 1 in 1 of 1',
      JobsDeadLetterAge: 'AWS/SQS ApproximateAgeOfOldestMessage Maximum/300s ≥ 259200 in 1 of 1',
      SchedulesDeadLetters: 'AWS/SQS ApproximateNumberOfMessagesVisible Maximum/300s ≥ 1 in 1 of 1',
      SchedulesDeadLetterAge: 'AWS/SQS ApproximateAgeOfOldestMessage Maximum/300s ≥ 259200 in 1 of 1',
      DataJobsDeadLetters: 'AWS/SQS ApproximateNumberOfMessagesVisible Maximum/300s ≥ 1 in 1 of 1',
      DataJobsDeadLetterAge: 'AWS/SQS ApproximateAgeOfOldestMessage Maximum/300s ≥ 259200 in 1 of 1',
      InboundDeadLetters: 'AWS/SQS ApproximateNumberOfMessagesVisible Maximum/300s ≥ 1 in 1 of 1',
      InboundDeadLetterAge: 'AWS/SQS ApproximateAgeOfOldestMessage Maximum/300s ≥ 259200 in 1 of 1',
      Api5xxRate: 'IF(requests >= 20, 100 * errors / requests, 0) of AWS/ApiGateway 5xx Sum/300s, AWS/ApiGateway Count Sum/300s ≥ 1 in 2 of 3',
      ApiLatencyP99: 'AWS/ApiGateway Latency p99/300s ≥ 2000 in 3 of 3',
      LoaderClickHouseFailures: 'Crm ClickHouseFailures Sum/300s ≥ 1 in 1 of 1',
      SchedulerTargetErrors: 'AWS/Scheduler TargetErrorCount Sum/300s ≥ 1 in 1 of 1',
      SchedulerDropped: 'AWS/Scheduler InvocationDroppedCount Sum/300s ≥ 1 in 1 of 1',
    });
    const topic = { Ref: logicalId(stacks.monitoring.topic) };
    for (const [id, a] of Object.entries(alarms)) {
      expect(a.Properties, id).toMatchObject({ AlarmActions: [topic], OKActions: [topic], TreatMissingData: 'notBreaching', ComparisonOperator: 'GreaterThanOrEqualToThreshold' });
    }
  });

  it('watches every function of the app in exactly one group, and every dead-letter queue', () => {
    const watched = Object.values(alarms)
      .filter((a) => /Errors$/.test(String(a.Properties.AlarmDescription).split(':')[0] ?? '') || String(a.Properties.AlarmDescription).includes('Lambda errors'))
      .flatMap((a) => (a.Properties.Metrics as { MetricStat?: MetricStat }[]).filter((m) => m.MetricStat).map((m) => JSON.stringify(m.MetricStat!.Metric.Dimensions[0]!.Value)));
    const all = [
      stacks.api.preTokenGeneration,
      ...stacks.routeFunctions.values(),
      stacks.events.publisher,
      ...stacks.events.consumers.map((c) => c.consumer),
      stacks.analytics.loader.consumer,
      stacks.analytics.migrator,
      stacks.schedules.dispatcher,
      stacks.schedules.jobs.consumer,
      stacks.apiRoutes.get('Data')!.dataWorker!.worker,
      stacks.apiRoutes.get('Integrations')!.inboundWorker!.worker,
      stacks.mail!.receiver,
      stacks.apiRoutes.get('Clients')!.mailFeedback!.consumer,
      stacks.apiRoutes.get('Webhooks')!.webhookSender!.fanOut.consumer,
      stacks.apiRoutes.get('Webhooks')!.webhookSender!.sender,
    ];
    // The trigger, 86 routes, the publisher, the loader and the migrator, the dispatcher and the jobs consumer, the data and the inbound worker.
    expect(routes).toHaveLength(107);
    // + the mail receiver and the mail-feedback consumer (#14); the 11 webhook routes (#15) and the 10 report routes (#16: the catalogue and runs, 6 of saved reports) among the routes, and the webhooks' fan-out and sender.
    expect(all).toHaveLength(119);
    expect(watched).toHaveLength(all.length);
    expect(new Set(watched).size).toBe(all.length);
    // Every SQS queue of the app that is a dead-letter (or on-failure) queue has its depth alarm.
    const depthAlarms = Object.values(alarms).filter((a) => JSON.stringify(a.Properties).includes('ApproximateNumberOfMessagesVisible'));
    // … the mail receiver's on-failure queue and the mail-feedback dead-letter queue (#14) among them, and the webhooks' fan-out's and sender's (#15).
    expect(depthAlarms).toHaveLength(10);
    // Which queue each watches, by the queue's name: the inbound one's is Crm-Api-Integrations' export.
    const inboundDlq = stacks.apiRoutes.get('Integrations')!.inboundWorker!.deadLetterQueue;
    const inbound = Object.entries(alarms).filter(([id]) => id.startsWith('InboundDeadLetters'));
    expect(inbound).toHaveLength(1);
    expect(JSON.stringify((inbound[0]![1].Properties.Metrics as { MetricStat: MetricStat }[])[0]!.MetricStat.Metric.Dimensions)).toMatch(new RegExp(`Crm-Api-Integrations-dev:ExportsOutputFnGetAtt${logicalId(inboundDlq)}QueueName`));
  });

  it('publishes to an encrypted, TLS-only topic CloudWatch may use, with the operator’s email subscribed', () => {
    const topics = Object.values(template.findResources('AWS::SNS::Topic')) as Resource[];
    expect(topics.map((t) => t.Properties)).toEqual([{ DisplayName: 'CRM alarms', KmsMasterKeyId: { 'Fn::GetAtt': [expect.stringMatching(/^AlarmTopicKey/), 'Arn'] }, Tags: [{ Key: 'app', Value: 'crm' }, { Key: 'cost-centre', Value: 'crm' }, { Key: 'owner', Value: 'sales-crm-team' }, { Key: 'stage', Value: 'dev' }] }]);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'ops@example.com', TopicArn: { Ref: logicalId(stacks.monitoring.topic) } });
    const policy = Object.values(template.findResources('AWS::SNS::TopicPolicy'))[0] as Resource;
    expect(JSON.stringify(policy.Properties.PolicyDocument)).toContain('"aws:SecureTransport":"false"');
    const key = Object.values(template.findResources('AWS::KMS::Key'))[0] as Resource;
    expect(key.Properties.EnableKeyRotation).toBe(true);
    expect(key.Properties.KeyPolicy.Statement).toContainEqual({
      Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
      Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
      Effect: 'Allow',
      Principal: { Service: 'cloudwatch.amazonaws.com' },
      Resource: '*',
    });
  });

  it('draws one dashboard of the same metrics, with every alarm’s state', () => {
    const dashboards = Object.values(template.findResources('AWS::CloudWatch::Dashboard')) as Resource[];
    expect(dashboards).toHaveLength(1);
    const body = JSON.stringify(dashboards[0]!.Properties.DashboardBody);
    for (const title of ['API 5xx rate (%)', 'API latency p99 (ms)', 'Stream publisher iterator age (ms)', 'Dead letters', 'Events, facts and alerts', 'Scheduler', 'ApiClients: errors and throttles', 'Alarms']) {
      expect(body, title).toContain(title);
    }
    for (const metric of ['DomainEventsPublished', 'FactsLoaded', 'AlertsRaised', 'ClickHouseFailures']) expect(body, metric).toContain(metric);
  });

  it('puts the schedules in their own group, the one the scheduler alarms read', () => {
    const schedules = Template.fromStack(stacks.schedules);
    schedules.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'Crm-Schedules-dev' });
    for (const s of Object.values(schedules.findResources('AWS::Scheduler::Schedule')) as Resource[]) expect(s.Properties.GroupName).toEqual({ Ref: stacks.schedules.getLogicalId(stacks.schedules.scheduleGroup) });
  });

  it('names each function group’s service for Powertools (logs, traces, metrics) and traces every function', () => {
    const serviceOf = (fn: { lambda: IConstruct }) => {
      const t = Template.fromStack(Stack.of(fn.lambda));
      const r = t.findResources('AWS::Lambda::Function')[logicalId(fn.lambda)] as Resource;
      expect(r.Properties.TracingConfig).toEqual({ Mode: 'Active' });
      return r.Properties.Environment.Variables.POWERTOOLS_SERVICE_NAME;
    };
    expect(serviceOf(stacks.routeFunctions.get('CreateClient')!)).toBe('crm-api-clients');
    expect(serviceOf(stacks.routeFunctions.get('GetStaffDashboard')!)).toBe('crm-api-insights');
    expect(serviceOf(stacks.events.publisher)).toBe('crm-events');
    expect(serviceOf(stacks.analytics.loader.consumer)).toBe('crm-analytics');
    expect(serviceOf(stacks.schedules.jobs.consumer)).toBe('crm-schedules');
  });
});

import { Duration, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import type { Construct } from 'constructs';
import type { RuleDefinition } from '../../events/rules';
import { schedules, type ScheduleDefinition } from '../../events/schedules';
import { bindBus, bindClickHouse, bindSecret, bindTable, CrmFunction, nagArn } from '../constructs/crm-function';
import { CrmDeadLetterQueue } from '../constructs/crm-queue';
import { consumerTimeout, RuleConsumer } from '../constructs/rule-consumer';
import { bindDataFiles } from '../constructs/data-worker';
import { bindIntegrationSecrets, type InboundWorker } from '../constructs/inbound-worker';
import type { MediaBucketRef } from './data';

export const JOBS_RULE = 'jobs';

export interface SchedulesStackProps extends StackProps {
  readonly table: ITable;
  readonly bus: IEventBus;
  /** The `jobs` rule of events/rules.ts: its queue and consumer live here. */
  readonly jobsRule: RuleDefinition;
  /** What every function that builds the use-case services needs (the API's auth settings). */
  readonly environment: Record<string, string>;
  /** The key that signs pagination cursors (the jobs page through staff and events too). */
  readonly cursorSecret: secretsmanager.ISecret;
  /** The analytics stack's SSM parameters naming the ClickHouse endpoint. */
  readonly analytics: { urlParameter: string; databaseParameter: string; credentialsArnParameter: string };
  /** The verified SES identity the nightly email is sent from, e.g. `CRM <reports@example.com>`. */
  readonly mailFrom?: string;
  /** The SES configuration set email goes out with (made by the stack of the send route). */
  readonly mailConfigurationSet: string;
  /**
   * The hourly reconciliation pull (#13) reads and refreshes connections' secrets and queues what
   * it pulls as a delivery: the inbound queue, the secrets' prefix, the media bucket's hooks/.
   */
  readonly inbound?: { worker: InboundWorker; secretsPrefix: string; bucket: MediaBucketRef };
}

/**
 * The scheduled jobs (issue #10): one EventBridge Scheduler schedule per entry of
 * events/schedules.ts invokes the dispatcher with the run's due time; the dispatcher puts one job
 * request per due tenant on the bus, and the jobs rule queues them for the consumer, which runs one
 * tenant at a time (DynamoDB, ClickHouse, SES). Nothing loops over every tenant in one invocation.
 */
export class SchedulesStack extends Stack {
  readonly jobs: RuleConsumer;
  readonly dispatcher: CrmFunction;
  readonly schedules: scheduler.CfnSchedule[];
  /** The schedules' own group, so their metrics (AWS/Scheduler by ScheduleGroup) are only theirs. */
  readonly scheduleGroup: scheduler.CfnScheduleGroup;
  /** Where a run the scheduler could not deliver after its retries goes. */
  readonly deadLetterQueue: CrmDeadLetterQueue;

  constructor(scope: Construct, id: string, props: SchedulesStackProps) {
    super(scope, id, props);
    const clickHouse = {
      url: ssm.StringParameter.valueForStringParameter(this, props.analytics.urlParameter),
      database: ssm.StringParameter.valueForStringParameter(this, props.analytics.databaseParameter),
      credentials: secretsmanager.Secret.fromSecretCompleteArn(this, 'ClickHouseCredentials', ssm.StringParameter.valueForStringParameter(this, props.analytics.credentialsArnParameter)),
    };

    // One tenant's run can take a while (every staff member's tasks, the emails): 5 minutes.
    this.jobs = new RuleConsumer(this, 'Jobs', { bus: props.bus, rule: props.jobsRule, timeout: Duration.minutes(5) });
    const worker = this.jobs.consumer;
    for (const [k, v] of Object.entries(props.environment)) worker.addEnvironment(k, v);
    worker.addEnvironment('MAIL_MODE', 'ses').addEnvironment('MAIL_FROM', props.mailFrom ?? 'CRM <no-reply@crm.example>').addEnvironment('SES_CONFIGURATION_SET', props.mailConfigurationSet);
    bindTable(worker, props.table, 'readWrite');
    bindSecret(worker, props.cursorSecret, 'CURSOR_SECRET_ARN');
    bindClickHouse(worker, clickHouse, Duration.seconds(30));
    if (props.inbound) {
      bindIntegrationSecrets(worker, props.inbound.secretsPrefix, 'readWrite');
      bindDataFiles(worker, props.inbound.bucket, 'write', ['hooks/']);
      props.inbound.worker.bindQueue(worker);
    }
    const identity = this.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' });
    worker.lambda.addToRolePolicy(new iam.PolicyStatement({ actions: ['ses:SendEmail', 'ses:SendRawEmail'], resources: [identity] }));
    Validations.of(worker).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArn(this, 'ses', 'identity/*')}]`,
      reason: 'The sender identity (a verified domain or address) is chosen per deployment; sending is the only action granted.',
    });

    this.dispatcher = new CrmFunction(this, 'JobsDispatcher', { entry: 'functions/jobs/dispatch.ts', description: 'A schedule’s run: one job request per due tenant onto the bus.', timeout: consumerTimeout, environment: props.environment });
    bindTable(this.dispatcher, props.table, 'read');
    bindSecret(this.dispatcher, props.cursorSecret, 'CURSOR_SECRET_ARN');
    bindBus(this.dispatcher, props.bus);

    const role = new iam.Role(this, 'SchedulerRole', { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'), description: 'EventBridge Scheduler invokes the jobs dispatcher.' });
    // The function itself, not `:*` (its versions and aliases), which grantInvoke would add.
    role.addToPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.dispatcher.lambda.functionArn] }));
    const dlq = new CrmDeadLetterQueue(this, 'ScheduleDeadLetterQueue');
    dlq.grantSendMessages(role);
    Validations.of(dlq).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'This queue is itself the dead-letter target of the schedules.' });
    this.deadLetterQueue = dlq;
    this.scheduleGroup = new scheduler.CfnScheduleGroup(this, 'ScheduleGroup', { name: this.stackName });
    this.schedules = schedules.map((s) => this.schedule(s, role, dlq));
  }

  private schedule(s: ScheduleDefinition, role: iam.Role, dlq: CrmDeadLetterQueue): scheduler.CfnSchedule {
    return new scheduler.CfnSchedule(this, `Schedule-${s.name}`, {
      description: s.description,
      groupName: this.scheduleGroup.ref,
      scheduleExpression: s.expression,
      scheduleExpressionTimezone: s.timezone,
      flexibleTimeWindow: { mode: 'OFF' },
      target: {
        arn: this.dispatcher.lambda.functionArn,
        roleArn: role.roleArn,
        // Scheduler substitutes its context attributes: the handler gets a ScheduledInvocation (events/schedules.ts).
        input: JSON.stringify({ schedule: s.name, scheduledTime: '<aws.scheduler.scheduled-time>', executionId: '<aws.scheduler.execution-id>', input: s.input ?? {} }),
        retryPolicy: { maximumRetryAttempts: 3, maximumEventAgeInSeconds: 600 },
        deadLetterConfig: { arn: dlq.queueArn },
      },
    });
  }
}

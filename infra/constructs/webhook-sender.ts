import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import type { IEventBus } from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import type { RuleDefinition } from '../../events/rules';
import { WEBHOOK_MAX_RECEIVES } from '../../functions/lib/webhooks/queue';
import { bindSecret, bindTable, CrmFunction, nagArn } from './crm-function';
import { CrmDeadLetterQueue, CrmQueue } from './crm-queue';
import { RuleConsumer } from './rule-consumer';

/** The rule of events/rules.ts whose consumer is the fan-out here. */
export const WEBHOOKS_RULE = 'webhooks';

/**
 * A batch's attempts run side by side (10 s each at most: TIMEOUT_MS) with the store's reads and
 * writes around them; 30 s leaves room for a slow DynamoDB or Secrets Manager call.
 */
const senderTimeout = Duration.seconds(30);
/**
 * Sender invocations at once (the queue mapping's maximum concurrency): at most 20 × 10 attempts
 * in flight overall, however many events arrive — receivers and the table see a bounded load;
 * per endpoint the lease counter keeps it to 4.
 */
const senderConcurrency = 20;

export interface WebhookSenderProps {
  readonly table: ITable;
  readonly cursorSecret: ISecret;
  /** What every function that builds the use-case services needs (the API's auth settings). */
  readonly environment: Record<string, string>;
  /** Where signing secrets live (`crm/{stage}/integrations`): the sender reads those of webhooks (`…/{tenant}/wh_…`) only. */
  readonly secretsPrefix: string;
  /** The domain events' bus, and events/rules.ts's `webhooks` rule: its fan-out consumer lives here, beside the queue it feeds. */
  readonly bus: IEventBus;
  readonly rule: RuleDefinition;
  /** The tenant admins' email when an endpoint is disabled for failing (SES). */
  readonly mailFrom?: string;
  readonly mailConfigurationSet: string;
}

/**
 * Outbound webhooks' delivery (#15, DESIGN §12): the `webhooks` rule's fan-out consumer makes one
 * delivery per matching subscription and queues it; the sender (functions/queues/webhook-sender.ts)
 * attempts it and queues the retry — up to 15 minutes ahead as an SQS delay, later ones as
 * one-off EventBridge Scheduler schedules in this construct's group, which put the message back on
 * the queue through a role that may do nothing else, and delete themselves once run. The queue's
 * redelivery is for the sender's own failures (the store, a lost race), not the receivers': their
 * failures are the delivery's schedule.
 */
export class WebhookSender extends Construct {
  readonly queue: CrmQueue;
  readonly deadLetterQueue: CrmDeadLetterQueue;
  readonly sender: CrmFunction;
  readonly fanOut: RuleConsumer;
  /** The retries' one-off schedules: their own group, so their metrics and grants are only theirs. */
  readonly scheduleGroup: scheduler.CfnScheduleGroup;
  readonly scheduleGroupName: string;
  /** What the Scheduler assumes to put a retry on the queue: sqs:SendMessage on it, nothing else. */
  readonly schedulerRole: iam.Role;

  constructor(scope: Construct, id: string, props: WebhookSenderProps) {
    super(scope, id);
    const stack = Stack.of(this);
    this.deadLetterQueue = new CrmDeadLetterQueue(this, 'DeadLetterQueue');
    this.queue = new CrmQueue(this, 'Queue', {
      // AWS guidance: six times the function timeout.
      visibilityTimeout: Duration.seconds(senderTimeout.toSeconds() * 6),
      deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: WEBHOOK_MAX_RECEIVES },
    });

    this.scheduleGroupName = `${stack.stackName}-webhook-retries`;
    this.scheduleGroup = new scheduler.CfnScheduleGroup(this, 'RetrySchedules', { name: this.scheduleGroupName });
    this.schedulerRole = new iam.Role(this, 'SchedulerRole', { assumedBy: new iam.ServicePrincipal('scheduler.amazonaws.com'), description: 'EventBridge Scheduler puts a webhook retry back on the send queue.' });
    this.schedulerRole.addToPolicy(new iam.PolicyStatement({ actions: ['sqs:SendMessage'], resources: [this.queue.queueArn] }));

    this.sender = new CrmFunction(this, 'Sender', {
      entry: 'functions/queues/webhook-sender.ts',
      description: 'Outbound webhooks: one delivery per message, signed and POSTed (SSRF-safe, 10 s), its retry queued.',
      timeout: senderTimeout,
      environment: props.environment,
    });
    this.sender.lambda.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, maxBatchingWindow: Duration.seconds(1), reportBatchItemFailures: true, maxConcurrency: senderConcurrency }));
    bindTable(this.sender, props.table, 'readWrite');
    bindSecret(this.sender, props.cursorSecret, 'CURSOR_SECRET_ARN');
    this.bindQueue(this.sender);
    this.bindSchedules(this.sender);
    this.bindSigningSecrets(this.sender, props.secretsPrefix);
    // The tenant admins' email when an endpoint is turned off after 3 days of failures.
    this.sender.addEnvironment('MAIL_MODE', 'ses').addEnvironment('MAIL_FROM', props.mailFrom ?? 'CRM <no-reply@crm.example>').addEnvironment('SES_CONFIGURATION_SET', props.mailConfigurationSet);
    this.sender.lambda.addToRolePolicy(new iam.PolicyStatement({ actions: ['ses:SendEmail', 'ses:SendRawEmail'], resources: [stack.formatArn({ service: 'ses', resource: 'identity', resourceName: '*' })] }));
    Validations.of(this.sender).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArn(stack, 'ses', 'identity/*')}]`,
      reason: 'The sender identity (a verified domain or address) is chosen per deployment; sending is the only action granted.',
    });

    this.fanOut = new RuleConsumer(this, 'FanOut', { bus: props.bus, rule: props.rule });
    const fanOut = this.fanOut.consumer;
    for (const [k, v] of Object.entries(props.environment)) fanOut.addEnvironment(k, v);
    bindTable(fanOut, props.table, 'readWrite');
    bindSecret(fanOut, props.cursorSecret, 'CURSOR_SECRET_ARN');
    this.bindQueue(fanOut);
  }

  /** The function may queue a delivery now (WEBHOOK_QUEUE_URL): the fan-out, the API's pings and redeliveries. */
  bindQueue(fn: CrmFunction): void {
    fn.addEnvironment('WEBHOOK_QUEUE_URL', this.queue.queueUrl);
    this.queue.grantSendMessages(fn.lambda);
  }

  /** The sender may schedule a retry for later: a one-off schedule in the retries' group, assuming the scheduler's role. */
  private bindSchedules(fn: CrmFunction): void {
    const stack = Stack.of(this);
    fn.addEnvironment('WEBHOOK_QUEUE_ARN', this.queue.queueArn).addEnvironment('WEBHOOK_SCHEDULER_ROLE_ARN', this.schedulerRole.roleArn).addEnvironment('WEBHOOK_SCHEDULE_GROUP', this.scheduleGroupName);
    const schedules = `schedule/${this.scheduleGroupName}/*`;
    fn.lambda.addToRolePolicy(new iam.PolicyStatement({ sid: 'WebhookRetrySchedules', actions: ['scheduler:CreateSchedule'], resources: [stack.formatArn({ service: 'scheduler', resource: schedules })] }));
    fn.lambda.addToRolePolicy(new iam.PolicyStatement({ sid: 'PassSchedulerRole', actions: ['iam:PassRole'], resources: [this.schedulerRole.roleArn], conditions: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } } }));
    Validations.of(fn).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArn(stack, 'scheduler', schedules)}]`,
      reason: 'One schedule per retry, named by the delivery and its second: the grant is CreateSchedule in the retries’ own group only.',
    });
  }

  /** Webhooks' signing secrets, read only: `prefix/{tenant}/wh_…`, never a connection's. */
  private bindSigningSecrets(fn: CrmFunction, prefix: string): void {
    const stack = Stack.of(this);
    fn.addEnvironment('INTEGRATION_SECRETS_PREFIX', prefix);
    fn.lambda.addToRolePolicy(
      new iam.PolicyStatement({ sid: 'WebhookSigningSecrets', actions: ['secretsmanager:GetSecretValue'], resources: [stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${prefix}/*/wh_*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })] }),
    );
    Validations.of(fn).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${nagArn(stack, 'secretsmanager', `secret:${prefix}/*/wh_*`)}]`,
      reason: 'A secret per webhook, made with it: the grant reads webhooks’ secrets (wh_ ids) of any tenant, and the code names the one of the delivery’s tenant and webhook.',
    });
  }
}

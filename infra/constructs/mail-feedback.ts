import { Duration, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as subscriptions from 'aws-cdk-lib/aws-sns-subscriptions';
import { Construct } from 'constructs';
import { bindSecret, bindTable, CrmFunction } from './crm-function';
import { CrmDeadLetterQueue, CrmQueue } from './crm-queue';

const consumerTimeout = Duration.seconds(30);

/**
 * Email's feedback (#14 item 1): the configuration set every email is sent with (SES_CONFIGURATION_SET),
 * which keeps bounced and complaining addresses off the account's sends (SES's suppression list)
 * and publishes each bounce, complaint, delivery and rejection — with the tags our mailer set
 * (tenant, message) — to a topic, raw into a queue, read by functions/queues/mail-feedback.ts: the
 * message's status moves on, a complaint opts the client out of email.
 */
export class MailFeedback extends Construct {
  readonly configurationSet: ses.ConfigurationSet;
  readonly topic: sns.Topic;
  readonly queue: CrmQueue;
  readonly deadLetterQueue: CrmDeadLetterQueue;
  readonly consumer: CrmFunction;

  constructor(scope: Construct, id: string, props: { configurationSetName: string; table: ITable; cursorSecret: ISecret; environment: Record<string, string> }) {
    super(scope, id);
    this.configurationSet = new ses.ConfigurationSet(this, 'ConfigurationSet', {
      configurationSetName: props.configurationSetName,
      suppressionReasons: ses.SuppressionReasons.BOUNCES_AND_COMPLAINTS,
      reputationMetrics: true,
      tlsPolicy: ses.ConfigurationSetTlsPolicy.REQUIRE,
    });
    this.topic = new sns.Topic(this, 'Topic', { displayName: 'SES feedback of client email', enforceSSL: true });
    Validations.of(this.topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason: 'SES publishes to it, and SES cannot use the AWS-managed SNS key; the records are delivery metadata (addresses, SES ids, our tags), already in SES, and the queue they land in is encrypted.',
    });
    this.configurationSet.addEventDestination('Feedback', {
      destination: ses.EventDestination.snsTopic(this.topic),
      events: [ses.EmailSendingEvent.BOUNCE, ses.EmailSendingEvent.COMPLAINT, ses.EmailSendingEvent.DELIVERY, ses.EmailSendingEvent.REJECT],
    });
    this.deadLetterQueue = new CrmDeadLetterQueue(this, 'DeadLetterQueue');
    this.queue = new CrmQueue(this, 'Queue', { visibilityTimeout: Duration.seconds(consumerTimeout.toSeconds() * 6), deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: 5 } });
    // Raw: the queue's message is SES's record itself, not SNS's envelope around it.
    this.topic.addSubscription(new subscriptions.SqsSubscription(this.queue, { rawMessageDelivery: true }));
    this.consumer = new CrmFunction(this, 'Consumer', {
      entry: 'functions/queues/mail-feedback.ts',
      description: 'SES feedback of client email: bounces and deliveries move the message on, a complaint opts the client out of email.',
      timeout: consumerTimeout,
      environment: props.environment,
    });
    this.consumer.lambda.addEventSource(new SqsEventSource(this.queue, { batchSize: 10, reportBatchItemFailures: true, maxConcurrency: 2 }));
    bindTable(this.consumer, props.table, 'readWrite');
    bindSecret(this.consumer, props.cursorSecret, 'CURSOR_SECRET_ARN');
  }
}

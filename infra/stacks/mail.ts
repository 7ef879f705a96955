import { CfnOutput, Duration, RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsDestination } from 'aws-cdk-lib/aws-lambda-destinations';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import * as ses from 'aws-cdk-lib/aws-ses';
import * as actions from 'aws-cdk-lib/aws-ses-actions';
import type { Construct } from 'constructs';
import { INBOUND_MAIL_PREFIX } from '../../functions/mail/receipt';
import { bindSecret, bindTable, CrmFunction } from '../constructs/crm-function';
import { CrmDeadLetterQueue } from '../constructs/crm-queue';
import { bindDataFiles, MESSAGES_PREFIX } from '../constructs/data-worker';
import type { MediaBucketRef } from './data';

export interface MailStackProps extends StackProps {
  readonly table: ITable;
  readonly mediaBucket: MediaBucketRef;
  readonly cursorSecret: ISecret;
  readonly environment: Record<string, string>;
  /** The domain of thread and inbox addresses (infra/stage.ts replyDomain). */
  readonly replyDomain: string;
}

/** How long the raw messages stay in the mail bucket: time enough to look at one again (or receive it again: the same Message-ID is stored once). */
const RAW_MAIL_DAYS = 30;
/** Parsing a 25 MB message and storing its attachments. */
const receiveTimeout = Duration.seconds(60);

/**
 * Inbound email (#14 item 2, DESIGN §11): SES receives mail for the reply domain — thread
 * addresses and tenants' inboxes alike, one rule for the whole domain — and its receipt rule
 * stores the raw message in the mail bucket under inbound-mail/ (S3 action), then invokes the
 * receiver (Lambda action, asynchronously) with the receipt: the envelope's recipients and SES's
 * verdicts. The receiver (functions/mail/inbound.ts) parses the message into threads or the
 * unassigned inbox; what still fails after Lambda's retries waits in the dead-letter queue.
 *
 * Two steps CloudFormation cannot take, once per account and region: the rule set must be made
 * the active one (`aws ses set-active-receipt-rule-set`, the ActivateRuleSet output), and the
 * reply domain's MX record must point to SES's inbound endpoint (the MxRecord output). SES
 * receives mail in some regions only: a stage whose region has no inbound endpoint receives none.
 */
export class MailStack extends Stack {
  readonly bucket: s3.Bucket;
  readonly receiver: CrmFunction;
  readonly deadLetterQueue: CrmDeadLetterQueue;
  readonly ruleSet: ses.ReceiptRuleSet;

  constructor(scope: Construct, id: string, props: MailStackProps) {
    super(scope, id, props);
    const accessLogs = new s3.Bucket(this, 'MailAccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    Validations.of(accessLogs).acknowledge({ id: 'AwsSolutions-S1', reason: 'This bucket holds the mail bucket’s access logs; logging its own access would log the logging.' });
    this.bucket = new s3.Bucket(this, 'MailBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      // SSE-S3: SES's S3 action writes to it without a key policy; what it holds is parsed and
      // kept (sanitised) in the table and the media bucket, so the raw copies expire.
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'mail/',
      lifecycleRules: [{ prefix: INBOUND_MAIL_PREFIX, expiration: Duration.days(RAW_MAIL_DAYS) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });

    this.deadLetterQueue = new CrmDeadLetterQueue(this, 'ReceiverDeadLetterQueue');
    Validations.of(this.deadLetterQueue).acknowledge({ id: 'AwsSolutions-SQS3', reason: 'This queue is itself the on-failure destination of the mail receiver.' });
    this.receiver = new CrmFunction(this, 'Receiver', {
      entry: 'functions/mail/inbound.ts',
      description: 'Inbound email: a message SES stored, into its threads or the unassigned inbox.',
      timeout: receiveTimeout,
      environment: { ...props.environment, MAIL_BUCKET: this.bucket.bucketName, MAIL_REPLY_DOMAIN: props.replyDomain },
    });
    // SES invokes asynchronously: Lambda retries twice, then the event goes to the dead-letter queue.
    this.receiver.lambda.configureAsyncInvoke({ retryAttempts: 2, maxEventAge: Duration.hours(6), onFailure: new SqsDestination(this.deadLetterQueue) });
    bindTable(this.receiver, props.table, 'readWrite');
    bindSecret(this.receiver, props.cursorSecret, 'CURSOR_SECRET_ARN');
    // Attachments (and bodies too big for an item) go under messages/.
    bindDataFiles(this.receiver, props.mediaBucket, 'write', [MESSAGES_PREFIX]);
    this.receiver.lambda.addToRolePolicy(new iam.PolicyStatement({ sid: 'RawMail', actions: ['s3:GetObject'], resources: [this.bucket.arnForObjects(`${INBOUND_MAIL_PREFIX}*`)] }));
    Validations.of(this.receiver).acknowledge({
      id: `AwsSolutions-IAM5[Resource::<${this.getLogicalId(this.bucket.node.defaultChild as s3.CfnBucket)}.Arn>/${INBOUND_MAIL_PREFIX}*]`,
      reason: 'Each message is stored under its SES message id: the grant is reading the inbound-mail/ prefix, nothing else of the bucket.',
    });

    this.ruleSet = new ses.ReceiptRuleSet(this, 'RuleSet', {
      receiptRuleSetName: `${this.stackName.toLowerCase()}-inbound`,
      rules: [
        {
          // A domain as the recipient takes every address at it: reply+… and inbox+… alike.
          recipients: [props.replyDomain],
          scanEnabled: true,
          tlsPolicy: ses.TlsPolicy.OPTIONAL,
          actions: [
            new actions.S3({ bucket: this.bucket, objectKeyPrefix: INBOUND_MAIL_PREFIX }),
            new actions.Lambda({ function: this.receiver.lambda, invocationType: actions.LambdaInvocationType.EVENT }),
          ],
        },
      ],
    });

    new CfnOutput(this, 'ActivateRuleSet', { value: `aws ses set-active-receipt-rule-set --rule-set-name ${this.ruleSet.receiptRuleSetName} --region ${this.region}` });
    new CfnOutput(this, 'MxRecord', { value: `${props.replyDomain} MX 10 inbound-smtp.${this.region}.amazonaws.com` });
  }
}

import { RemovalPolicy, Stack, Validations, type StackProps } from 'aws-cdk-lib';
import { CfnOutput, Duration, Fn } from 'aws-cdk-lib';
import * as backup from 'aws-cdk-lib/aws-backup';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as events from 'aws-cdk-lib/aws-events';
import * as s3 from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { tableSchema } from '../../functions/lib/store/table-schema';

const stringKey = (name: string): dynamodb.Attribute => ({ name, type: dynamodb.AttributeType.STRING });

export interface DataStackProps extends StackProps {
  /** Lock the backup vault (production): recovery points cannot be deleted before 35 days. */
  readonly lockBackupVault?: boolean;
  /** The web apps' origins, which upload and show client images through presigned URLs. @default the dev origins */
  readonly allowedOrigins?: readonly string[];
}

/** The single table (DESIGN §5). Its shape comes from table-schema.ts, shared with the local stack. */
export class DataStack extends Stack {
  readonly table: dynamodb.Table;
  /** Powertools idempotency records for `Idempotency-Key` on POST (expire through TTL). */
  readonly idempotencyTable: dynamodb.Table;
  /** Client images (visiting cards, signboards), uploaded and read through presigned URLs only. */
  readonly mediaBucket: s3.Bucket;
  /**
   * The media bucket's name and ARN as explicit exports: consumers import them by a stable name, so
   * the IAM finding on their `tenants/*` grant has a stable id to acknowledge (infra/constructs/crm-function.ts).
   */
  readonly mediaBucketRef: MediaBucketRef;
  /** Daily backups of the single table, kept 35 days, on top of point-in-time recovery. */
  readonly backupPlan: backup.BackupPlan;
  readonly backupVault: backup.BackupVault;

  constructor(scope: Construct, id: string, props?: DataStackProps) {
    super(scope, id, props);

    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: stringKey(tableSchema.partitionKey),
      sortKey: stringKey(tableSchema.sortKey),
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      // The stream is the transactional outbox: the publisher turns every change into domain events.
      stream: dynamodb.StreamViewType[tableSchema.streamViewType],
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
      // Items that expire (#13): rate-limit windows of web forms, hook deliveries after 90 days.
      timeToLiveAttribute: 'ttl',
    });

    for (const gsi of tableSchema.globalSecondaryIndexes) {
      this.table.addGlobalSecondaryIndex({
        indexName: gsi.indexName,
        partitionKey: stringKey(gsi.partitionKey),
        sortKey: stringKey(gsi.sortKey),
        projectionType: dynamodb.ProjectionType.ALL,
      });
    }
  
    // PITR restores any second of the last 35 days into a new table; a backup plan adds copies that
    // outlive a table deleted by mistake, in a vault that is kept when the stack goes. Production
    // locks the vault (WORM: no one, not even the account root, deletes a recovery point early).
    this.backupVault = new backup.BackupVault(this, 'BackupVault', {
      removalPolicy: RemovalPolicy.RETAIN,
      ...(props?.lockBackupVault && { lockConfiguration: { minRetention: Duration.days(35) } }),
    });
    this.backupPlan = new backup.BackupPlan(this, 'BackupPlan', { backupVault: this.backupVault });
    this.backupPlan.addRule(
      new backup.BackupPlanRule({
        ruleName: 'Daily35Days',
        // 21:30 UTC, 03:00 in India: after the nightly jobs, before the working day.
        scheduleExpression: events.Schedule.cron({ minute: '30', hour: '21' }),
        deleteAfter: Duration.days(35),
      }),
    );
    const selection = this.backupPlan.addSelection('Table', { resources: [backup.BackupResource.fromDynamoDbTable(this.table)] });
    Validations.of(selection).acknowledge({
      id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup]',
      reason: 'The role AWS Backup assumes to take the backups, with the service-role policy AWS maintains for exactly that (DynamoDB backup and restore actions); a hand-written copy would drift from what the service needs.',
    });

    this.idempotencyTable = new dynamodb.Table(this, 'IdempotencyTable', {
      partitionKey: stringKey('id'),
      timeToLiveAttribute: 'expiration',
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  
    const accessLogs = new s3.Bucket(this, 'MediaAccessLogs', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_PREFERRED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.mediaBucket = new s3.Bucket(this, 'MediaBucket', {
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      encryption: s3.BucketEncryption.S3_MANAGED,
      enforceSSL: true,
      versioned: true,
      serverAccessLogsBucket: accessLogs,
      serverAccessLogsPrefix: 'media/',
      // Apps PUT and GET through presigned URLs straight from the browser or phone.
      cors: [
        {
          allowedMethods: [s3.HttpMethods.PUT, s3.HttpMethods.GET],
          allowedOrigins: [...(props?.allowedOrigins ?? ['http://localhost:3000', 'http://localhost:5173'])],
          allowedHeaders: ['content-type', 'content-length'],
          maxAge: 3600,
        },
      ],
      lifecycleRules: [
        { noncurrentVersionExpiration: Duration.days(90) },
        // Import files and their error files, and exports, are working copies: a week, then gone
        // (an export's URL lasts 15 minutes; asking again makes a new one).
        { prefix: 'imports/', expiration: Duration.days(7), noncurrentVersionExpiration: Duration.days(1), abortIncompleteMultipartUploadAfter: Duration.days(1) },
        { prefix: 'exports/', expiration: Duration.days(7), noncurrentVersionExpiration: Duration.days(1), abortIncompleteMultipartUploadAfter: Duration.days(1) },
        // Hook payloads over 256 KB (#13): kept as long as their delivery record (90 days).
        { prefix: 'hooks/', expiration: Duration.days(90), noncurrentVersionExpiration: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const [name, value] of [['MediaBucketName', this.mediaBucket.bucketName], ['MediaBucketArn', this.mediaBucket.bucketArn]] as const) {
      new CfnOutput(this, name, { value, exportName: `${this.stackName}-${name}` });
    }
    this.mediaBucketRef = {
      name: Fn.importValue(`${this.stackName}-MediaBucketName`),
      arn: Fn.importValue(`${this.stackName}-MediaBucketArn`),
      arnExportName: `${this.stackName}-MediaBucketArn`,
    };
  }
}

export interface MediaBucketRef {
  name: string;
  arn: string;
  arnExportName: string;
}

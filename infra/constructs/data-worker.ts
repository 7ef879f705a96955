import { Duration, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { DATA_MAX_RECEIVES } from '../../functions/lib/files/data-queue';
import type { MediaBucketRef } from '../stacks/data';
import { bindSecret, bindTable, CrmFunction } from './crm-function';
import { CrmDeadLetterQueue, CrmQueue } from './crm-queue';

/** A step streams a file and applies up to 5,000 rows: minutes at most. */
const stepTimeout = Duration.minutes(5);
/** Bulk work is background work: a few steps at once, so imports never starve the API of DynamoDB capacity. */
const maxConcurrency = 4;

/** The bucket prefixes of imports and exports (their lifecycle rules are in the data stack). */
export const DATA_PREFIXES = ['imports/', 'exports/'] as const;
/** Hook deliveries' raw payloads over 256 KB (#13; smaller ones live in the delivery item). */
export const HOOK_PREFIX = 'hooks/';
/** Files of the communication hub (#14): what clients sent (WhatsApp media, email attachments) and what staff attach. */
export const MESSAGES_PREFIX = 'messages/';

/**
 * The data queue and its worker (#12): imports and exports, a step per message
 * (functions/queues/data-jobs.ts). The worker reads and writes the table as the importer's use
 * cases do, streams the files under the data prefixes of the media bucket, and queues its next step.
 */
export class DataWorker extends Construct {
  readonly queue: CrmQueue;
  readonly deadLetterQueue: CrmDeadLetterQueue;
  readonly worker: CrmFunction;

  constructor(scope: Construct, id: string, props: { table: ITable; bucket: MediaBucketRef; cursorSecret: ISecret; environment: Record<string, string> }) {
    super(scope, id);
    this.deadLetterQueue = new CrmDeadLetterQueue(this, 'DeadLetterQueue');
    this.queue = new CrmQueue(this, 'Queue', { visibilityTimeout: Duration.seconds(stepTimeout.toSeconds() * 6), deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: DATA_MAX_RECEIVES } });
    this.worker = new CrmFunction(this, 'Worker', {
      entry: 'functions/queues/data-jobs.ts',
      description: 'Imports and exports: one step per message (scan, a chunk of rows, finish; or an export).',
      timeout: stepTimeout,
      environment: props.environment,
    });
    this.worker.lambda.addEventSource(new SqsEventSource(this.queue, { batchSize: 1, reportBatchItemFailures: true, maxConcurrency }));
    bindTable(this.worker, props.table, 'readWrite');
    bindSecret(this.worker, props.cursorSecret, 'CURSOR_SECRET_ARN');
    bindDataFiles(this.worker, props.bucket, 'readWrite');
    this.bindQueue(this.worker);
  }

  /** The function may queue steps (DATA_QUEUE_URL). */
  bindQueue(fn: CrmFunction): void {
    fn.addEnvironment('DATA_QUEUE_URL', this.queue.queueUrl);
    this.queue.grantSendMessages(fn.lambda);
  }
}

/**
 * Import and export files under `prefixes`: `read` signs downloads (GetObject), `write` signs
 * uploads and checks them (PutObject, GetObject for HEAD), `readWrite` is the worker's (and lists
 * the error parts of an import).
 */
export function bindDataFiles(fn: CrmFunction, bucket: MediaBucketRef, mode: 'read' | 'write' | 'readWrite', prefixes: readonly ((typeof DATA_PREFIXES)[number] | typeof HOOK_PREFIX | typeof MESSAGES_PREFIX)[] = DATA_PREFIXES): void {
  fn.addEnvironment('MEDIA_BUCKET', bucket.name);
  const actions = mode === 'read' ? ['s3:GetObject'] : ['s3:GetObject', 's3:PutObject', ...(mode === 'readWrite' ? ['s3:AbortMultipartUpload'] : [])];
  iam.Grant.addToPrincipal({ grantee: fn, actions, resourceArns: prefixes.map((p) => `${bucket.arn}/${p}*`) });
  if (mode === 'readWrite') {
    fn.lambda.addToRolePolicy(new iam.PolicyStatement({ actions: ['s3:ListBucket'], resources: [bucket.arn], conditions: { StringLike: { 's3:prefix': prefixes.map((p) => `${p}*`) } } }));
  }
  Validations.of(fn).acknowledge(
    ...prefixes.map((p) => ({
      id: `AwsSolutions-IAM5[Resource::${bucket.arnExportName}/${p}*]`,
      reason: `Keys are made per job (${p}{tenant}/{job}/…); the grant is the few object actions a job needs on the ${p} prefix, and the code only makes keys under the caller's tenant.`,
    })),
  );
}

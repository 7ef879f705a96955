import { ArnFormat, Duration, Stack, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import type { ISecret } from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';
import { INBOUND_MAX_RECEIVES } from '../../functions/lib/integrations/inbound-queue';
import type { MediaBucketRef } from '../stacks/data';
import { bindSecret, bindTable, CrmFunction, nagArn } from './crm-function';
import { CrmDeadLetterQueue, CrmQueue } from './crm-queue';
import { bindDataFiles } from './data-worker';

/** A delivery fetches a few records from a provider's API (10 s timeout each) and applies them. */
const deliveryTimeout = Duration.seconds(60);
/** Deliveries of many tenants at once, but never enough to take the API's DynamoDB capacity. */
const maxConcurrency = 10;

/**
 * The inbound queue and its worker (#13, DESIGN §9): a hook stores a delivery and queues it; the
 * worker (functions/queues/inbound.ts) maps it, fetches what thin notifications name from the
 * provider's API (refreshing OAuth tokens in the connection's secret), applies the records
 * through the use cases and marks the delivery processed or failed. Redelivered until
 * INBOUND_MAX_RECEIVES, then failed with its reason (and the message to the dead-letter queue).
 */
export class InboundWorker extends Construct {
  readonly queue: CrmQueue;
  readonly deadLetterQueue: CrmDeadLetterQueue;
  readonly worker: CrmFunction;

  constructor(scope: Construct, id: string, props: { table: ITable; bucket: MediaBucketRef; cursorSecret: ISecret; environment: Record<string, string>; secretsPrefix: string }) {
    super(scope, id);
    this.deadLetterQueue = new CrmDeadLetterQueue(this, 'DeadLetterQueue');
    this.queue = new CrmQueue(this, 'Queue', { visibilityTimeout: Duration.seconds(deliveryTimeout.toSeconds() * 6), deadLetterQueue: { queue: this.deadLetterQueue, maxReceiveCount: INBOUND_MAX_RECEIVES } });
    this.worker = new CrmFunction(this, 'Worker', {
      entry: 'functions/queues/inbound.ts',
      description: 'Inbound integrations: one stored delivery per message, processed once.',
      timeout: deliveryTimeout,
      environment: props.environment,
    });
    this.worker.lambda.addEventSource(new SqsEventSource(this.queue, { batchSize: 5, reportBatchItemFailures: true, maxConcurrency }));
    bindTable(this.worker, props.table, 'readWrite');
    bindSecret(this.worker, props.cursorSecret, 'CURSOR_SECRET_ARN');
    bindDataFiles(this.worker, props.bucket, 'read', ['hooks/']);
    // WhatsApp media a client sent, fetched from Meta into messages/{tenant}/inbound/ (#14).
    bindDataFiles(this.worker, props.bucket, 'write', ['messages/']);
    bindIntegrationSecrets(this.worker, props.secretsPrefix, 'readWrite');
  }

  /** The function may queue deliveries (INBOUND_QUEUE_URL). */
  bindQueue(fn: CrmFunction): void {
    fn.addEnvironment('INBOUND_QUEUE_URL', this.queue.queueUrl);
    this.queue.grantSendMessages(fn.lambda);
  }
}

const secretActions = {
  read: ['secretsmanager:GetSecretValue'],
  readWrite: ['secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:CreateSecret', 'secretsmanager:DeleteSecret', 'secretsmanager:TagResource'],
} as const;

/**
 * The connections' secrets: one Secrets Manager secret per connection under `prefix/{tenant}/{connection}`
 * (functions/lib/integrations/secrets.ts). Hooks read them; the routes that manage connections
 * and the worker (refreshed OAuth tokens) write them. Nothing else may.
 */
export function bindIntegrationSecrets(fn: CrmFunction, prefix: string, mode: keyof typeof secretActions): void {
  const stack = Stack.of(fn);
  fn.addEnvironment('INTEGRATION_SECRETS_PREFIX', prefix);
  fn.lambda.addToRolePolicy(new iam.PolicyStatement({ sid: 'IntegrationSecrets', actions: [...secretActions[mode]], resources: [stack.formatArn({ service: 'secretsmanager', resource: 'secret', resourceName: `${prefix}/*`, arnFormat: ArnFormat.COLON_RESOURCE_NAME })] }));
  Validations.of(fn).acknowledge({
    id: `AwsSolutions-IAM5[Resource::${nagArn(stack, 'secretsmanager', `secret:${prefix}/*`)}]`,
    reason: 'A secret per connection, made when the connection is: the grant is the connections’ prefix, and the code names secrets under the caller’s tenant only.',
  });
}

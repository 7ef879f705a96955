import { Duration } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';

/**
 * An SQS queue with the project's defaults: TLS-only access and SSE-SQS encryption. SSE-SQS rather
 * than the AWS-managed aws/sqs KMS key because EventBridge cannot deliver to a queue encrypted with
 * that key (its policy cannot be changed to let events.amazonaws.com use it).
 */
export class CrmQueue extends sqs.Queue {
  constructor(scope: Construct, id: string, props: sqs.QueueProps = {}) {
    super(scope, id, { enforceSSL: true, encryption: sqs.QueueEncryption.SQS_MANAGED, ...props });
  }
}

/** A dead-letter queue: kept the 14-day maximum so there is time to inspect and replay. */
export class CrmDeadLetterQueue extends CrmQueue {
  constructor(scope: Construct, id: string, props: sqs.QueueProps = {}) {
    super(scope, id, { retentionPeriod: Duration.days(14), ...props });
  }
}

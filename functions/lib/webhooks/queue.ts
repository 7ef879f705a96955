import type { SchedulerClient } from '@aws-sdk/client-scheduler';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { z } from 'zod';
import type { WebhookQueue, WebhookQueueMessage } from '../use-cases/ports';

/**
 * The queue to the webhook sender (#15): SQS in AWS, in-process locally (scripts/local/data-queue.ts).
 * A retry is a delayed message, never a sleeping Lambda (DESIGN §12): SQS delays a message at most
 * 15 minutes, so a later one (30 min … 10 h) is an EventBridge Scheduler one-off — `at(…)` in
 * UTC, no flexible window, deleted once it has run — whose target puts the same message on the
 * queue. Either way the sender acts only on a delivery still due, so a message sent twice
 * attempts it once.
 */
export const WebhookMessage = z.strictObject({
  tenantId: z.string().min(1),
  webhookId: z.string().min(1),
  deliveryId: z.string().min(1),
}) satisfies z.ZodType<WebhookQueueMessage>;

/** SQS's DelaySeconds maximum. */
export const SQS_MAX_DELAY_SECONDS = 900;

/**
 * Receives of one message before SQS gives it to the dead-letter queue. An attempt's failures
 * are the delivery's schedule, not redeliveries: a receive fails only when the store or the
 * secrets could not be read, or a concurrent save won (then the next receive finds it done).
 */
export const WEBHOOK_MAX_RECEIVES = 5;

let local: WebhookQueue | undefined;

/** The local stack's queue (or a test's); without one, SQS and the Scheduler as configured. */
export function installWebhookQueue(queue: WebhookQueue | undefined): void {
  local = queue;
}

/** What queues now (the fan-out, the API's pings and redeliveries) needs the URL alone; the sender, which schedules retries, all of it. */
const Env = z.object({
  WEBHOOK_QUEUE_URL: z.string().min(1),
  /** The queue's ARN: the Scheduler's target. */
  WEBHOOK_QUEUE_ARN: z.string().min(1).optional(),
  /** The role the Scheduler assumes to send to the queue (sqs:SendMessage on it, nothing else). */
  WEBHOOK_SCHEDULER_ROLE_ARN: z.string().min(1).optional(),
  WEBHOOK_SCHEDULE_GROUP: z.string().min(1).optional(),
});
type Env = z.infer<typeof Env>;

/** `at()` takes local date-time without zone or fraction; the zone is given apart (UTC). */
const atExpression = (at: Date) => `at(${at.toISOString().slice(0, 19)})`;

/** One schedule per delivery and due second: sending the same retry twice finds it made (a ConflictException), not a second one. */
export const scheduleName = (deliveryId: string, at: Date) => `${deliveryId}-${Math.floor(at.getTime() / 1000)}`;

export interface WebhookQueueDeps {
  sqs?: () => Promise<SQSClient>;
  scheduler?: () => Promise<SchedulerClient>;
  env?: NodeJS.ProcessEnv;
  now?: () => Date;
}

export function createWebhookQueue(cfg: { AWS_REGION: string }, deps: WebhookQueueDeps = {}): WebhookQueue {
  let env: Env | undefined;
  const config = () => (env ??= Env.parse(deps.env ?? process.env));
  let sqs: Promise<SQSClient> | undefined;
  let scheduler: Promise<SchedulerClient> | undefined;
  const sqsClient = () => (sqs ??= deps.sqs?.() ?? import('@aws-sdk/client-sqs').then((m) => new m.SQSClient({ region: cfg.AWS_REGION })));
  const schedulerClient = () => (scheduler ??= deps.scheduler?.() ?? import('@aws-sdk/client-scheduler').then((m) => new m.SchedulerClient({ region: cfg.AWS_REGION })));
  const now = deps.now ?? (() => new Date());

  return {
    async send(message, opts = {}) {
      if (local) return local.send(message, opts);
      const body = JSON.stringify(WebhookMessage.parse(message));
      const delay = Math.max(0, Math.ceil(opts.delaySeconds ?? 0));
      const e = config();
      if (delay <= SQS_MAX_DELAY_SECONDS) {
        const { SendMessageCommand } = await import('@aws-sdk/client-sqs');
        await (await sqsClient()).send(new SendMessageCommand({ QueueUrl: e.WEBHOOK_QUEUE_URL, MessageBody: body, ...(delay > 0 && { DelaySeconds: delay }) }));
        return;
      }
      // Rounded up to the second `at()` names: a retry may come a little late, never early.
      const { WEBHOOK_QUEUE_ARN: queueArn, WEBHOOK_SCHEDULER_ROLE_ARN: roleArn, WEBHOOK_SCHEDULE_GROUP: group } = e;
      if (!queueArn || !roleArn || !group) throw new Error('WEBHOOK_QUEUE_ARN, WEBHOOK_SCHEDULER_ROLE_ARN and WEBHOOK_SCHEDULE_GROUP are required to schedule a retry');
      const at = new Date(Math.ceil((now().getTime() + delay * 1000) / 1000) * 1000);
      const { ConflictException, CreateScheduleCommand } = await import('@aws-sdk/client-scheduler');
      try {
        await (await schedulerClient()).send(
          new CreateScheduleCommand({
            Name: scheduleName(message.deliveryId, at),
            GroupName: group,
            ScheduleExpression: atExpression(at),
            ScheduleExpressionTimezone: 'UTC',
            FlexibleTimeWindow: { Mode: 'OFF' },
            ActionAfterCompletion: 'DELETE',
            Description: `webhook retry of ${message.deliveryId}`,
            Target: { Arn: queueArn, RoleArn: roleArn, Input: body },
          }),
        );
      } catch (error) {
        // Made already (this retry was sent before, and the save after it lost a race): one is enough.
        if (!(error instanceof ConflictException)) throw error;
      }
    },
  };
}

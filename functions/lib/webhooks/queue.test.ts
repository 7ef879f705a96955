import { ConflictException, CreateScheduleCommand, SchedulerClient } from '@aws-sdk/client-scheduler';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, describe, expect, it } from 'vitest';
import { createWebhookQueue, installWebhookQueue, scheduleName } from './queue';

const sqs = mockClient(SQSClient);
const scheduler = mockClient(SchedulerClient);
afterEach(() => {
  sqs.reset();
  scheduler.reset();
  installWebhookQueue(undefined);
});

const env = {
  WEBHOOK_QUEUE_URL: 'https://sqs.ap-south-1.amazonaws.com/111122223333/crm-dev-webhooks',
  WEBHOOK_QUEUE_ARN: 'arn:aws:sqs:ap-south-1:111122223333:crm-dev-webhooks',
  WEBHOOK_SCHEDULER_ROLE_ARN: 'arn:aws:iam::111122223333:role/crm-dev-webhook-scheduler',
  WEBHOOK_SCHEDULE_GROUP: 'crm-dev-webhook-retries',
};
const message = { tenantId: 'acme', webhookId: 'wh_01JA0000000000000000000000', deliveryId: 'whd_01JA0000000000000000000001' };
const body = JSON.stringify(message);
const now = new Date('2026-03-02T10:00:00.400Z');
const queue = () => createWebhookQueue({ AWS_REGION: 'ap-south-1' }, { env, now: () => now, sqs: async () => new SQSClient({}), scheduler: async () => new SchedulerClient({}) });

describe('the webhook queue in AWS', () => {
  it('sends a first attempt at once and a retry up to 15 minutes away as an SQS delay', async () => {
    sqs.on(SendMessageCommand).resolves({ MessageId: 'm1' });
    const q = queue();
    await q.send(message);
    await q.send(message, { delaySeconds: 4.6 });
    await q.send(message, { delaySeconds: 900 });
    expect(sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input)).toEqual([
      { QueueUrl: env.WEBHOOK_QUEUE_URL, MessageBody: body },
      { QueueUrl: env.WEBHOOK_QUEUE_URL, MessageBody: body, DelaySeconds: 5 },
      { QueueUrl: env.WEBHOOK_QUEUE_URL, MessageBody: body, DelaySeconds: 900 },
    ]);
    expect(scheduler.calls()).toHaveLength(0);
  });

  it('schedules a later retry as a one-off EventBridge schedule that puts the message on the queue and deletes itself', async () => {
    scheduler.on(CreateScheduleCommand).resolves({ ScheduleArn: 'arn:aws:scheduler:ap-south-1:111122223333:schedule/x/y' });
    await queue().send(message, { delaySeconds: 1800 });
    expect(scheduler.commandCalls(CreateScheduleCommand).map((c) => c.args[0].input)).toEqual([
      {
        Name: 'whd_01JA0000000000000000000001-1772447401',
        GroupName: 'crm-dev-webhook-retries',
        // 10:00:00.400 + 30 min, up to the second (never early).
        ScheduleExpression: 'at(2026-03-02T10:30:01)',
        ScheduleExpressionTimezone: 'UTC',
        FlexibleTimeWindow: { Mode: 'OFF' },
        ActionAfterCompletion: 'DELETE',
        Description: 'webhook retry of whd_01JA0000000000000000000001',
        Target: { Arn: env.WEBHOOK_QUEUE_ARN, RoleArn: env.WEBHOOK_SCHEDULER_ROLE_ARN, Input: body },
      },
    ]);
    expect(sqs.calls()).toHaveLength(0);
    expect(scheduleName(message.deliveryId, new Date('2026-03-02T10:30:00.000Z'))).toBe('whd_01JA0000000000000000000001-1772447400');
  });

  it('a schedule made already for that delivery and second is enough (the retry was sent before)', async () => {
    scheduler.on(CreateScheduleCommand).rejects(new ConflictException({ message: 'Schedule already exists', Message: 'Schedule already exists', $metadata: {} }));
    await expect(queue().send(message, { delaySeconds: 7200 })).resolves.toBeUndefined();
    scheduler.on(CreateScheduleCommand).rejects(new Error('AccessDenied'));
    await expect(queue().send(message, { delaySeconds: 7200 })).rejects.toThrow('AccessDenied');
  });

  it('refuses a malformed message and a missing configuration before calling AWS', async () => {
    await expect(queue().send({ ...message, deliveryId: '' })).rejects.toThrow();
    const unconfigured = createWebhookQueue({ AWS_REGION: 'ap-south-1' }, { env: {}, sqs: async () => new SQSClient({}) });
    await expect(unconfigured.send(message)).rejects.toThrow(/WEBHOOK_QUEUE_URL/);
    // The URL alone queues now (the fan-out, the API), not a retry for later.
    const sendOnly = createWebhookQueue({ AWS_REGION: 'ap-south-1' }, { env: { WEBHOOK_QUEUE_URL: env.WEBHOOK_QUEUE_URL }, scheduler: async () => new SchedulerClient({}) });
    await expect(sendOnly.send(message, { delaySeconds: 3600 })).rejects.toThrow('WEBHOOK_QUEUE_ARN, WEBHOOK_SCHEDULER_ROLE_ARN and WEBHOOK_SCHEDULE_GROUP are required to schedule a retry');
    expect(sqs.calls()).toHaveLength(0);
    expect(scheduler.calls()).toHaveLength(0);
  });

  it('an installed (local) queue takes the message and its delay instead', async () => {
    const got: unknown[] = [];
    installWebhookQueue({ send: async (m, o) => void got.push([m, o]) });
    await queue().send(message, { delaySeconds: 3600 });
    expect(got).toEqual([[message, { delaySeconds: 3600 }]]);
    expect(sqs.calls()).toHaveLength(0);
    expect(scheduler.calls()).toHaveLength(0);
  });
});

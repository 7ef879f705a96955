import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { App, Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { roles } from '../domain/access/roles';
import { rules } from '../events/rules';
import { groupOf, routeKey, routes } from '../functions/http/routes';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { matchesPattern } from '../events/pattern';
import { bindQueue, bindUserPool, CrmFunction, repoRoot, userPoolAdminActions } from './constructs/crm-function';
import { CrmQueue } from './constructs/crm-queue';
import { createCrmStacks, type CrmStacks } from './crm-stacks';
import type { RuleConsumer } from './stacks/events';
import { managesStaffAccounts } from './stacks/api';
import { DataStack } from './stacks/data';

// The same feature flags as `cdk synth`, so the templates under test are the deployed ones.
const cdkContext: Record<string, unknown> = JSON.parse(readFileSync(path.join(repoRoot, 'cdk.json'), 'utf8')).context;

/** Bundling skipped: the templates do not depend on it, and it is exercised once, at the end. */
const unbundledApp = () => new App({ context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] } });

const writeActions = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:TransactWriteItems', 'dynamodb:*'];

type Resource = { Type: string; Properties: Record<string, any> };

const logicalId = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnResource);

/** Each stack's template, synthesised once. */
const templates = new Map<Stack, Template>();
const templateOf = (construct: IConstruct): Template => {
  const stack = Stack.of(construct);
  let template = templates.get(stack);
  if (!template) templates.set(stack, (template = Template.fromStack(stack)));
  return template;
};

/** A function's environment variables, as its stack's template has them. */
const envOf = (fn: CrmFunction): Record<string, any> => (templateOf(fn).findResources('AWS::Lambda::Function')[logicalId(fn.lambda)] as Resource).Properties.Environment.Variables;

/** Every IAM action granted to a function's role, across all the policies attached to it (in the function's own stack). */
function actionsOf(fn: CrmFunction, template: Template = templateOf(fn)): string[] {
  const roleId = logicalId(fn.lambda.role!);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Resource[];
  return policies
    .filter((p) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[] }[])
    .flatMap((s) => [s.Action].flat());
}

/** The function's S3 statements: the key prefix each reaches (`(bucket)` for the bucket itself), actions sorted. */
function s3StatementsOf(fn: CrmFunction, template: Template = templateOf(fn)): { prefix: string; actions: string[] }[] {
  const roleId = logicalId(fn.lambda.role!);
  return (Object.values(template.findResources('AWS::IAM::Policy')) as Resource[])
    .filter((p) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
    .filter((st) => [st.Action].flat().some((a) => a.startsWith('s3:')))
    .flatMap((st) =>
      [st.Resource].flat().map((r) => {
        const text = JSON.stringify(r);
        const prefix = /\/(tenants|imports|exports|hooks|messages)\/\*(\/uploads\/\*)?/.exec(text);
        return { prefix: prefix ? `${prefix[1]}/${prefix[2] ? '*/uploads/' : ''}` : '(bucket)', actions: [st.Action].flat().filter((a) => a.startsWith('s3:')).sort() };
      }),
    );
}

/** The function's statements that mention any cognito-idp action, actions sorted. */
function cognitoStatements(fn: CrmFunction, template: Template = templateOf(fn)): { Action: string[]; Effect: string; Resource: unknown }[] {
  const roleId = logicalId(fn.lambda.role!);
  return (Object.values(template.findResources('AWS::IAM::Policy')) as Resource[])
    .filter((p) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Effect: string; Resource: unknown }[])
    .filter((st) => [st.Action].flat().some((a) => a.startsWith('cognito-idp:')))
    .map((st) => ({ ...st, Action: [st.Action].flat().sort() }));
}

describe('CRM stacks', () => {
  let stacks: CrmStacks;
  let app: App;
  let data: Template;
  let events: Template;
  let analytics: Template;
  let api: Template;
  /** Every rule consumer of the app, with the template of the stack that holds it. */
  let consumers: { consumer: RuleConsumer; template: Template }[];
  let schedulesTemplate: Template;

  beforeAll(() => {
    app = unbundledApp();
    stacks = createCrmStacks(app);
    data = Template.fromStack(stacks.data);
    events = Template.fromStack(stacks.events);
    analytics = Template.fromStack(stacks.analytics);
    api = Template.fromStack(stacks.api);
    schedulesTemplate = Template.fromStack(stacks.schedules);
    consumers = [
      ...stacks.events.consumers.map((consumer) => ({ consumer, template: events })),
      { consumer: stacks.analytics.loader, template: analytics },
      { consumer: stacks.schedules.jobs, template: schedulesTemplate },
      { consumer: stacks.apiRoutes.get('Webhooks')!.webhookSender!.fanOut, template: templateOf(stacks.apiRoutes.get('Webhooks')!) },
    ];
  });

  describe('data', () => {
    it('creates the single table with its keys, two GSIs and a stream of new and old images', () => {
      // The single table, plus the idempotency table checked below; no other.
      data.resourceCountIs('AWS::DynamoDB::Table', 2);
      const gsi = (n: 1 | 2) => ({
        IndexName: `gsi${n}`,
        KeySchema: [
          { AttributeName: `gsi${n}pk`, KeyType: 'HASH' },
          { AttributeName: `gsi${n}sk`, KeyType: 'RANGE' },
        ],
        Projection: { ProjectionType: 'ALL' },
      });
      data.hasResourceProperties('AWS::DynamoDB::Table', {
        KeySchema: [
          { AttributeName: 'pk', KeyType: 'HASH' },
          { AttributeName: 'sk', KeyType: 'RANGE' },
        ],
        GlobalSecondaryIndexes: [gsi(1), gsi(2)],
        AttributeDefinitions: ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk'].map((AttributeName) => ({ AttributeName, AttributeType: 'S' })),
        StreamSpecification: { StreamViewType: 'NEW_AND_OLD_IMAGES' },
        BillingMode: 'PAY_PER_REQUEST',
        SSESpecification: { SSEEnabled: true },
        // Forms' rate-limit windows and 90-day hook deliveries expire (#13).
        TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      });
    });

    it('protects the table: point-in-time recovery, deletion protection, retained on stack removal', () => {
      data.hasResource('AWS::DynamoDB::Table', {
        Properties: Match.objectLike({
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          DeletionProtectionEnabled: true,
        }),
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });
  });

  it('keeps Idempotency-Key records in their own protected table that expires them through TTL', () => {
    data.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
      TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      DeletionProtectionEnabled: true,
    });
    for (const route of routes) {
      const env = envOf(stacks.routeFunctions.get(route.name)!);
      // A CORS preflight (OPTIONS) reads like a GET: no idempotency records.
      if (route.method === 'GET' || route.method === 'OPTIONS') expect(env.IDEMPOTENCY_TABLE_NAME, route.name).toBeUndefined();
      else expect(env.IDEMPOTENCY_TABLE_NAME, route.name).toEqual({ 'Fn::ImportValue': expect.stringMatching(/^Crm-Data-dev:/) });
    }
  });

  it('keeps client images in a private, encrypted, versioned, TLS-only bucket with access logs', () => {
    data.hasResourceProperties('AWS::S3::Bucket', {
      PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
      VersioningConfiguration: { Status: 'Enabled' },
      LoggingConfiguration: Match.objectLike({ LogFilePrefix: 'media/' }),
      BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
    });
    data.hasResource('AWS::S3::Bucket', { DeletionPolicy: 'Retain' });
  });

  it('expires the working files: imports/ and exports/ after a week, hook payloads (hooks/) after 90 days like their deliveries (#12, #13)', () => {
    const media = (Object.values(data.findResources('AWS::S3::Bucket')) as Resource[]).filter((b) => b.Properties.LoggingConfiguration?.LogFilePrefix === 'media/');
    expect(media).toHaveLength(1);
    expect(media[0]!.Properties.LifecycleConfiguration.Rules).toEqual([
      { NoncurrentVersionExpiration: { NoncurrentDays: 90 }, Status: 'Enabled' },
      { Prefix: 'imports/', ExpirationInDays: 7, NoncurrentVersionExpiration: { NoncurrentDays: 1 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
      { Prefix: 'exports/', ExpirationInDays: 7, NoncurrentVersionExpiration: { NoncurrentDays: 1 }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 1 }, Status: 'Enabled' },
      { Prefix: 'hooks/', ExpirationInDays: 90, NoncurrentVersionExpiration: { NoncurrentDays: 1 }, Status: 'Enabled' },
    ]);
  });

  it('lets only the image routes sign media URLs: uploads PutObject, downloads GetObject, nothing else', () => {
    for (const route of routes) {
      const s3Actions = s3StatementsOf(stacks.routeFunctions.get(route.name)!).filter((st) => st.prefix === 'tenants/').flatMap((st) => st.actions);
      expect(s3Actions, route.name).toEqual(route.media === 'write' ? ['s3:PutObject'] : route.media === 'read' ? ['s3:GetObject'] : []);
    }
    expect(routes.filter((r) => r.media).map((r) => `${r.method} ${r.path}`).sort()).toEqual(['GET /v1/clients/{id}/image', 'POST /v1/clients/{id}/image']);
  });

  it('lets only the import and export routes reach their files: under imports/ and exports/, signing uploads only where an import is created or started (#12)', () => {
    const expected: Record<string, string[]> = {
      CreateImport: ['imports/ s3:GetObject,s3:PutObject'],
      StartImport: ['imports/ s3:GetObject,s3:PutObject'],
      GetImport: ['imports/ s3:GetObject'],
      ListImports: ['imports/ s3:GetObject'],
      GetExport: ['exports/ s3:GetObject'],
      ListExports: ['exports/ s3:GetObject'],
    };
    for (const route of routes) {
      // hooks/ (#13) and messages/ (#14) are checked below.
      const data = s3StatementsOf(stacks.routeFunctions.get(route.name)!).filter((st) => st.prefix !== 'tenants/' && st.prefix !== 'hooks/' && !st.prefix.startsWith('messages/')).map((st) => `${st.prefix} ${st.actions.join(',')}`);
      expect(data, route.name).toEqual(expected[route.name] ?? []);
      expect(envOf(stacks.routeFunctions.get(route.name)!).DATA_QUEUE_URL !== undefined, route.name).toBe(route.name === 'CreateImport' || route.name === 'StartImport' || route.name === 'CreateExport');
    }
    const worker = stacks.apiRoutes.get('Data')!.dataWorker!.worker;
    expect(s3StatementsOf(worker).map((st) => `${st.prefix} ${st.actions.join(',')}`).sort()).toEqual(['(bucket) s3:ListBucket', 'exports/ s3:AbortMultipartUpload,s3:GetObject,s3:PutObject', 'imports/ s3:AbortMultipartUpload,s3:GetObject,s3:PutObject']);
  });

  it('lets only the attachment routes reach messages/ (#14): the upload signs PUTs under messages/*/uploads/, the send and the download read, nothing else', () => {
    const expected: Record<string, string[]> = {
      RequestAttachmentUpload: ['messages/*/uploads/ s3:PutObject'],
      SendMessage: ['messages/ s3:GetObject'],
      GetMessageAttachment: ['messages/ s3:GetObject'],
    };
    for (const route of routes) {
      const fn = stacks.routeFunctions.get(route.name)!;
      const grants = s3StatementsOf(fn).filter((st) => st.prefix.startsWith('messages/')).map((st) => `${st.prefix} ${st.actions.join(',')}`);
      expect(grants, route.name).toEqual(expected[route.name] ?? []);
      if (expected[route.name]) expect(envOf(fn).MEDIA_BUCKET, route.name).toBeDefined();
    }
    // No ListBucket for them: a key not uploaded is a 403 to these functions, read as "not uploaded" (media-store.ts).
    for (const name of Object.keys(expected)) expect(s3StatementsOf(stacks.routeFunctions.get(name)!).filter((st) => st.prefix === '(bucket)'), name).toEqual([]);
  });

  /** Every function of the app, each under the name the tests below give it. */
  const everyFunction = (): [string, CrmFunction][] => [
    ['PreTokenGeneration', stacks.api.preTokenGeneration],
    ...stacks.routeFunctions,
    ['StreamPublisher', stacks.events.publisher],
    ...stacks.events.consumers.map((c): [string, CrmFunction] => [c.node.id, c.consumer]),
    ['AnalyticsLoader', stacks.analytics.loader.consumer],
    ['AnalyticsMigrator', stacks.analytics.migrator],
    ['JobsDispatcher', stacks.schedules.dispatcher],
    ['JobsConsumer', stacks.schedules.jobs.consumer],
    ['DataWorker', stacks.apiRoutes.get('Data')!.dataWorker!.worker],
    ['InboundWorker', stacks.apiRoutes.get('Integrations')!.inboundWorker!.worker],
    ['MailReceiver', stacks.mail!.receiver],
    ['MailFeedback', stacks.apiRoutes.get('Clients')!.mailFeedback!.consumer],
    ['WebhooksFanOut', stacks.apiRoutes.get('Webhooks')!.webhookSender!.fanOut.consumer],
    ['WebhookSender', stacks.apiRoutes.get('Webhooks')!.webhookSender!.sender],
  ];

  it('knows every function of the app (the lists of the grant tests below are complete)', () => {
    const deployed = app.node.children.filter((c): c is Stack => c instanceof Stack).flatMap((stack) => (Object.values(templateOf(stack).findResources('AWS::Lambda::Function')) as Resource[]).filter((fn) => fn.Properties.Handler !== 'framework.onEvent'));
    expect(everyFunction()).toHaveLength(deployed.length);
    expect(new Set(everyFunction().map(([name]) => name)).size).toBe(everyFunction().length);
  });

  it('lets only the inbound routes, the inbound worker and the jobs consumer reach hooks/: hooks and the reconcile job store raw payloads, the connection routes and the worker read them (#13)', () => {
    const write = ['hooks/ s3:GetObject,s3:PutObject'];
    const read = ['hooks/ s3:GetObject'];
    const expected: Record<string, string[]> = {
      ReceiveHook: write,
      HookHandshake: write,
      SubmitForm: write,
      CreateConnection: read,
      UpdateConnection: read,
      DeleteConnection: read,
      ReconcileConnection: read,
      RotateConnectionSecret: read,
      GetDeliveryPayload: read,
      ReplayDelivery: read,
      InboundWorker: read,
      JobsConsumer: write,
    };
    for (const [name, fn] of everyFunction()) {
      const hooks = s3StatementsOf(fn).filter((st) => st.prefix === 'hooks/').map((st) => `${st.prefix} ${st.actions.join(',')}`);
      expect(hooks, name).toEqual(expected[name] ?? []);
    }
    expect(routes.filter((r) => r.inbound).map((r) => `${r.inbound} ${routeKey(r)}`)).toEqual([
      'manage POST /v1/integrations',
      'manage PATCH /v1/integrations/{id}',
      'manage DELETE /v1/integrations/{id}',
      'manage POST /v1/integrations/{id}/reconcile',
      'manage POST /v1/integrations/{id}/rotate-secret',
      'manage GET /v1/integrations/{id}/deliveries/{deliveryId}/payload',
      'manage POST /v1/integrations/{id}/deliveries/{deliveryId}/replay',
      'hook POST /hooks/{tenantId}/{connectionId}',
      'hook GET /hooks/{tenantId}/{connectionId}',
      'hook POST /forms/{formKey}',
    ]);
  });

  it('lets only the inbound routes and the jobs consumer queue deliveries (INBOUND_QUEUE_URL), only the data routes and the data worker queue data steps, and only the webhooks’ fan-out, sender, ping and redeliveries queue webhook sends — the sender alone schedules retries (#12, #13, #15)', () => {
    const inbound = ['ReceiveHook', 'HookHandshake', 'SubmitForm', 'CreateConnection', 'UpdateConnection', 'DeleteConnection', 'ReconcileConnection', 'RotateConnectionSecret', 'GetDeliveryPayload', 'ReplayDelivery', 'JobsConsumer'];
    const data = ['CreateImport', 'StartImport', 'CreateExport', 'DataWorker'];
    const webhooks = ['PingWebhook', 'RedeliverWebhookFailures', 'RedeliverWebhookDelivery', 'WebhooksFanOut', 'WebhookSender'];
    const queues = stacks.apiRoutes.get('Integrations')!.inboundWorker!;
    for (const [name, fn] of everyFunction()) {
      const env = envOf(fn);
      expect(env.INBOUND_QUEUE_URL !== undefined, `${name} INBOUND_QUEUE_URL`).toBe(inbound.includes(name));
      expect(env.DATA_QUEUE_URL !== undefined, `${name} DATA_QUEUE_URL`).toBe(data.includes(name));
      expect(env.WEBHOOK_QUEUE_URL !== undefined, `${name} WEBHOOK_QUEUE_URL`).toBe(webhooks.includes(name));
      expect(actionsOf(fn).some((a) => a.startsWith('scheduler:') || a === 'iam:PassRole'), `${name} scheduler`).toBe(name === 'WebhookSender');
      // And the stream publisher and the mail receiver, to their on-failure queues (checked with the events, and the mail).
      expect(actionsOf(fn).includes('sqs:SendMessage'), name).toBe(inbound.includes(name) || data.includes(name) || webhooks.includes(name) || name === 'StreamPublisher' || name === 'MailReceiver');
    }
    // The routes in the queue's own stack by Ref, the jobs consumer by Crm-Api-Integrations' export.
    expect(envOf(stacks.routeFunctions.get('ReceiveHook')!).INBOUND_QUEUE_URL).toEqual({ Ref: logicalId(queues.queue) });
    expect(envOf(stacks.schedules.jobs.consumer).INBOUND_QUEUE_URL).toEqual({ 'Fn::ImportValue': expect.stringMatching(new RegExp(`^Crm-Api-Integrations-dev:ExportsOutputRef${logicalId(queues.queue)}`)) });
  });

  it('grants the connections’ secrets (crm/dev/integrations/*) to the inbound routes, the inbound worker, the jobs consumer, the send route and the webhook routes that make, rotate and delete signing secrets only: hooks, GET routes and sends read them, the rest may write (#13, #14, #15)', () => {
    const readOnly = ['secretsmanager:GetSecretValue'];
    const readWrite = ['secretsmanager:CreateSecret', 'secretsmanager:DeleteSecret', 'secretsmanager:GetSecretValue', 'secretsmanager:PutSecretValue', 'secretsmanager:TagResource'];
    const expected: Record<string, string[]> = {
      ReceiveHook: readOnly,
      HookHandshake: readOnly,
      SubmitForm: readOnly,
      GetDeliveryPayload: readOnly,
      CreateConnection: readWrite,
      UpdateConnection: readWrite,
      DeleteConnection: readWrite,
      ReconcileConnection: readWrite,
      RotateConnectionSecret: readWrite,
      ReplayDelivery: readWrite,
      // OAuth tokens refreshed while a delivery is fetched, or a reconcile pull.
      InboundWorker: readWrite,
      JobsConsumer: readWrite,
      // WhatsApp goes out with the whatsapp connection's access token (#14).
      SendMessage: readOnly,
      // Outbound webhooks' signing secrets (#15), by webhook id: made, rotated and deleted with the subscription.
      CreateWebhook: readWrite,
      RotateWebhookSecret: readWrite,
      DeleteWebhook: readWrite,
    };
    const prefixArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':secret:crm/dev/integrations/*']] };
    const webhookSecretsArn = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':secretsmanager:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':secret:crm/dev/integrations/*/wh_*']] };
    const secretWrites = ['secretsmanager:PutSecretValue', 'secretsmanager:CreateSecret', 'secretsmanager:DeleteSecret', 'secretsmanager:TagResource', 'secretsmanager:UpdateSecret', 'secretsmanager:*'];
    for (const [name, fn] of everyFunction()) {
      const roleId = logicalId(fn.lambda.role!);
      const statements = (Object.values(templateOf(fn).findResources('AWS::IAM::Policy')) as Resource[])
        .filter((p) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as { Sid?: string; Action: string | string[]; Effect: string; Resource: unknown }[]);
      const grants = statements.filter((st) => JSON.stringify(st.Resource).includes('integrations/')).map((st) => ({ ...st, Action: [st.Action].flat().sort() }));
      if (expected[name]) expect(grants, name).toEqual([{ Sid: 'IntegrationSecrets', Action: expected[name], Effect: 'Allow', Resource: prefixArn }]);
      // The webhook sender reads webhooks' signing secrets (…/{tenant}/wh_…) and no connection's (#15).
      else if (name === 'WebhookSender') expect(grants, name).toEqual([{ Sid: 'WebhookSigningSecrets', Action: readOnly, Effect: 'Allow', Resource: webhookSecretsArn }]);
      else expect(grants, name).toEqual([]);
      expect(envOf(fn).INTEGRATION_SECRETS_PREFIX, name).toBe(expected[name] || name === 'WebhookSender' ? 'crm/dev/integrations' : undefined);
      // No other statement writes any secret.
      const writes = statements.filter((st) => st.Sid !== 'IntegrationSecrets').flatMap((st) => [st.Action].flat()).filter((a) => secretWrites.includes(a));
      expect(writes, name).toEqual([]);
    }
  });

  it('runs every Lambda on nodejs24.x, arm64, 512 MB, with its own log group', () => {
    for (const template of [events, analytics, api, ...[...stacks.apiRoutes.values()].map(templateOf), schedulesTemplate]) {
      // CDK's own custom-resource provider function is not ours to size (infra/analytics.test.ts checks it).
      const functions = (Object.values(template.findResources('AWS::Lambda::Function')) as Resource[]).filter((fn) => fn.Properties.Handler !== 'framework.onEvent');
      expect(functions.length).toBeGreaterThan(0);
      for (const fn of functions) {
        expect(fn.Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], MemorySize: 512, Handler: 'index.handler' });
        expect(fn.Properties.LoggingConfig.LogGroup).toBeDefined();
      }
      // No function may write to every log group in the account.
      template.resourcePropertiesCountIs('AWS::IAM::Role', { ManagedPolicyArns: Match.anyValue() }, 0);
    }
  });

  describe('api', () => {
    /** The core's export of one of its values, as a route stack imports it. */
    const coreExport = (construct: IConstruct) => ({ 'Fn::ImportValue': expect.stringMatching(new RegExp(`^Crm-Api-dev:ExportsOutputRef${logicalId(construct)}`)) });
    /** The same, for the CDK's own matchers. */
    const coreExportMatch = (construct: IConstruct) => ({ 'Fn::ImportValue': Match.stringLikeRegexp(`^Crm-Api-dev:ExportsOutputRef${logicalId(construct)}`) });

    it('deploys each route group in its own stack, one function and one route per entry of routes.ts (#11 item 1)', () => {
      const byStack = Object.fromEntries(
        [...stacks.apiRoutes].map(([group, stack]) => [
          stack.stackName,
          (Object.values(templateOf(stack).findResources('AWS::ApiGatewayV2::Route')) as Resource[]).map((r) => r.Properties.RouteKey).sort(),
        ]),
      );
      expect(byStack).toEqual({
        'Crm-Api-Meta-dev': ['GET /health', 'GET /v1/openapi.json'],
        'Crm-Api-Clients-dev': [
          'GET /v1/clients',
          'GET /v1/clients/duplicates',
          'GET /v1/clients/{id}',
          'GET /v1/clients/{id}/audit',
          'GET /v1/clients/{id}/image',
          'GET /v1/clients/{id}/messages',
          'GET /v1/clients/{id}/messages/{messageId}/attachments/{n}',
          'GET /v1/clients/{id}/profile',
          'GET /v1/clients/{id}/timeline',
          'GET /v1/messages/unread',
          'PATCH /v1/clients/{id}',
          'POST /v1/clients',
          'POST /v1/clients/{id}/attachments',
          'POST /v1/clients/{id}/image',
          'POST /v1/clients/{id}/merge',
          'POST /v1/clients/{id}/messages',
          'POST /v1/clients/{id}/messages/read',
          'POST /v1/clients/{id}/opportunities',
        ],
        'Crm-Api-Opportunities-dev': [
          'GET /v1/opportunities',
          'GET /v1/opportunities/{id}',
          'GET /v1/opportunities/{id}/audit',
          'GET /v1/opportunities/{id}/history',
          'PATCH /v1/opportunities/{id}',
          'POST /v1/opportunities/{id}/events',
          'POST /v1/opportunities/{id}/stage',
        ],
        'Crm-Api-Events-dev': ['GET /v1/events', 'GET /v1/events/{id}', 'POST /v1/events/{id}/complete'],
        'Crm-Api-Config-dev': [
          'GET /v1/config/assignment',
          'GET /v1/config/dedup',
          'GET /v1/config/products',
          'GET /v1/config/stages',
          'GET /v1/config/targets',
          'GET /v1/config/templates',
          'POST /v1/config/templates/preview',
          'PUT /v1/config/assignment',
          'PUT /v1/config/dedup',
          'PUT /v1/config/products',
          'PUT /v1/config/stages',
          'PUT /v1/config/targets',
          'PUT /v1/config/templates',
        ],
        'Crm-Api-Staff-dev': [
          'GET /v1/staff',
          'GET /v1/staff/{staffId}',
          'GET /v1/staff/{staffId}/targets',
          'POST /v1/staff',
          'POST /v1/staff/{staffId}/deactivate',
          'PUT /v1/staff/{staffId}/manager',
          'PUT /v1/staff/{staffId}/targets',
        ],
        'Crm-Api-Insights-dev': [
          'GET /v1/dashboards/events',
          'GET /v1/dashboards/manager/{staffId}',
          'GET /v1/dashboards/staff/{staffId}',
          'GET /v1/dashboards/tenant',
          'GET /v1/gap-analysis/{staffId}',
          'GET /v1/pipeline/{staffId}',
        ],
        'Crm-Api-Work-dev': ['GET /v1/alerts', 'GET /v1/alerts/{id}', 'GET /v1/tasks', 'POST /v1/alerts/{id}/acknowledge', 'POST /v1/alerts/{id}/resolve'],
        'Crm-Api-Data-dev': ['GET /v1/exports', 'GET /v1/exports/{id}', 'GET /v1/imports', 'GET /v1/imports/{id}', 'POST /v1/exports', 'POST /v1/imports', 'POST /v1/imports/{id}/start'],
        'Crm-Api-Integrations-dev': [
          'DELETE /v1/integrations/{id}',
          'GET /hooks/{tenantId}/{connectionId}',
          'GET /v1/integrations',
          'GET /v1/integrations/{id}',
          'GET /v1/integrations/{id}/deliveries',
          'GET /v1/integrations/{id}/deliveries/{deliveryId}',
          'GET /v1/integrations/{id}/deliveries/{deliveryId}/payload',
          'OPTIONS /forms/{formKey}',
          'PATCH /v1/integrations/{id}',
          'POST /forms/{formKey}',
          'POST /hooks/{tenantId}/{connectionId}',
          'POST /v1/integrations',
          'POST /v1/integrations/{id}/deliveries/{deliveryId}/replay',
          'POST /v1/integrations/{id}/reconcile',
          'POST /v1/integrations/{id}/rotate-secret',
        ],
        'Crm-Api-Inbox-dev': ['GET /v1/inbox', 'GET /v1/inbox/{id}', 'POST /v1/inbox/{id}/attach'],
        'Crm-Api-Webhooks-dev': [
          'DELETE /v1/webhooks/{id}',
          'GET /v1/webhooks',
          'GET /v1/webhooks/{id}',
          'GET /v1/webhooks/{id}/deliveries',
          'GET /v1/webhooks/{id}/deliveries/{deliveryId}',
          'PATCH /v1/webhooks/{id}',
          'POST /v1/webhooks',
          'POST /v1/webhooks/{id}/deliveries/{deliveryId}/redeliver',
          'POST /v1/webhooks/{id}/ping',
          'POST /v1/webhooks/{id}/redeliver',
          'POST /v1/webhooks/{id}/rotate-secret',
        ],
        'Crm-Api-Reports-dev': [
          'DELETE /v1/reports/saved/{savedId}',
          'GET /v1/reports',
          'GET /v1/reports/saved',
          'GET /v1/reports/saved/{savedId}',
          'GET /v1/reports/{id}',
          'PATCH /v1/reports/saved/{savedId}',
          'POST /v1/reports/custom/run',
          'POST /v1/reports/saved',
          'POST /v1/reports/saved/{savedId}/run',
          'POST /v1/reports/{id}/run',
        ],
      });
      expect(Object.values(byStack).flat().sort()).toEqual(routes.map(routeKey).sort());
      // A function per route, and in the Data stack the data worker beside them, in the Integrations stack the inbound worker.
      // A function per route, and beside them: the data worker (Data), the inbound worker (Integrations), the mail-feedback consumer (Clients, with the send route), the webhooks' fan-out and sender (Webhooks, #15).
      const beside: Partial<Record<string, number>> = { Data: 1, Integrations: 1, Clients: 1, Webhooks: 2 };
      for (const [group, stack] of stacks.apiRoutes) templateOf(stack).resourceCountIs('AWS::Lambda::Function', routes.filter((r) => groupOf(r) === group).length + (beside[group] ?? 0));
      expect([...stacks.apiRoutes].filter(([, stack]) => stack.webhookSender).map(([group]) => group)).toEqual(['Webhooks']);
      expect([...stacks.apiRoutes].filter(([, stack]) => stack.mailFeedback).map(([group]) => group)).toEqual(['Clients']);
      expect([...stacks.apiRoutes].filter(([, stack]) => stack.dataWorker).map(([group]) => group)).toEqual(['Data']);
      expect([...stacks.apiRoutes].filter(([, stack]) => stack.inboundWorker).map(([group]) => group)).toEqual(['Integrations']);
      // The core holds the API, the authorizer, sign-in and its trigger: no route.
      api.resourceCountIs('AWS::ApiGatewayV2::Route', 0);
      api.resourceCountIs('AWS::Lambda::Function', 1);
      // Every route is on the core's API but the web forms', which are on the forms API (#13).
      const formsApi = stacks.apiRoutes.get('Integrations')!.formsApi!;
      for (const stack of stacks.apiRoutes.values()) {
        const onForms = (Object.values(templateOf(stack).findResources('AWS::ApiGatewayV2::Route')) as Resource[]).filter((r) => r.Properties.RouteKey.includes(' /forms/'));
        if (stack === stacks.apiRoutes.get('Integrations')) {
          expect(onForms.map((r) => [r.Properties.RouteKey, r.Properties.ApiId])).toEqual([
            ['POST /forms/{formKey}', { Ref: logicalId(formsApi) }],
            ['OPTIONS /forms/{formKey}', { Ref: logicalId(formsApi) }],
          ]);
          templateOf(stack).resourcePropertiesCountIs('AWS::ApiGatewayV2::Route', { ApiId: coreExportMatch(stacks.api.api) }, 13);
        } else {
          expect(onForms, stack.stackName).toEqual([]);
          templateOf(stack).allResourcesProperties('AWS::ApiGatewayV2::Route', { ApiId: coreExportMatch(stacks.api.api) });
        }
      }
    });

    it('serves the web forms from an HTTP API of their own, without API-level CORS (their handlers answer it per form), its $default stage throttled to 20/s (#13)', () => {
      const integrations = templateOf(stacks.apiRoutes.get('Integrations')!);
      const formsApi = stacks.apiRoutes.get('Integrations')!.formsApi!;
      const apis = integrations.findResources('AWS::ApiGatewayV2::Api') as Record<string, Resource>;
      expect(Object.keys(apis)).toEqual([logicalId(formsApi)]);
      expect(apis[logicalId(formsApi)]!.Properties).toEqual({
        Name: 'FormsApi',
        Description: 'Sales CRM web forms: per-form CORS, answered by the form handlers themselves',
        ProtocolType: 'HTTP',
        Tags: expect.any(Object),
      });
      const stages = Object.values(integrations.findResources('AWS::ApiGatewayV2::Stage')) as Resource[];
      expect(stages.map((st) => st.Properties)).toEqual([
        expect.objectContaining({ ApiId: { Ref: logicalId(formsApi) }, StageName: '$default', AutoDeploy: true, DefaultRouteSettings: { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 } }),
      ]);
      // No other route stack has an API or a stage of its own.
      for (const [group, stack] of stacks.apiRoutes) {
        if (group === 'Integrations') continue;
        templateOf(stack).resourceCountIs('AWS::ApiGatewayV2::Api', 0);
        templateOf(stack).resourceCountIs('AWS::ApiGatewayV2::Stage', 0);
      }
      expect([...stacks.apiRoutes].filter(([, stack]) => stack.formsApi).map(([group]) => group)).toEqual(['Integrations']);
      // The connection routes write hook and form URLs: the API's base URL (here its execute-api endpoint) and the forms API's.
      const withUrls = ['CreateConnection', 'ListConnections', 'GetConnection', 'UpdateConnection', 'DeleteConnection', 'ReconcileConnection', 'RotateConnectionSecret', 'ListDeliveries', 'GetDelivery', 'GetDeliveryPayload', 'ReplayDelivery', 'SubmitForm', 'FormPreflight'];
      for (const [name, fn] of stacks.routeFunctions) {
        const env = envOf(fn);
        if (!withUrls.includes(name)) {
          expect([env.PUBLIC_BASE_URL, env.FORMS_BASE_URL], name).toEqual([undefined, undefined]);
          continue;
        }
        expect(env.PUBLIC_BASE_URL, name).toEqual({ 'Fn::ImportValue': expect.stringMatching(new RegExp(`^Crm-Api-dev:ExportsOutputFnGetAtt${logicalId(stacks.api.api)}ApiEndpoint`)) });
        expect(env.FORMS_BASE_URL, name).toEqual({ 'Fn::GetAtt': [logicalId(formsApi), 'ApiEndpoint'] });
      }
    });

    it('refuses a route whose path no group names', () => {
      expect(() => groupOf({ path: '/v1/nowhere' })).toThrow('/v1/nowhere: no route group names "nowhere" (functions/http/routes.ts routeGroups)');
      expect(groupOf({ path: '/health' })).toBe('Meta');
      expect(groupOf({ path: '/v1/gap-analysis/{staffId}' })).toBe('Insights');
    });

    it('puts the core’s Cognito JWT authorizer on every non-public route and none on public ones', () => {
      api.resourceCountIs('AWS::ApiGatewayV2::Authorizer', 1);
      api.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', { Name: 'Cognito', AuthorizerType: 'JWT', IdentitySource: ['$request.header.Authorization'] });
      for (const stack of stacks.apiRoutes.values()) templateOf(stack).resourceCountIs('AWS::ApiGatewayV2::Authorizer', 0);
      for (const route of routes) {
        const found = Object.values(templateOf(stacks.routeFunctions.get(route.name)!).findResources('AWS::ApiGatewayV2::Route', { Properties: { RouteKey: routeKey(route) } })) as Resource[];
        expect(found, routeKey(route)).toHaveLength(1);
        expect(found[0]!.Properties, routeKey(route)).toMatchObject(route.public ? { AuthorizationType: 'NONE' } : { AuthorizationType: 'JWT', AuthorizerId: coreExport(stacks.api.authorizer) });
        if (route.public) expect(found[0]!.Properties.AuthorizerId, routeKey(route)).toBeUndefined();
      }
      // Hooks verify their provider's signature, forms their origin and limits, themselves (#13).
      expect(routes.filter((r) => r.public).map(routeKey)).toEqual([
        'GET /health',
        'GET /v1/openapi.json',
        'POST /hooks/{tenantId}/{connectionId}',
        'GET /hooks/{tenantId}/{connectionId}',
        'POST /forms/{formKey}',
        'OPTIONS /forms/{formKey}',
      ]);
    });

    it('checks the audience against the app client and the issuer against the user pool', () => {
      api.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        JwtConfiguration: {
          Audience: [{ Ref: logicalId(stacks.api.userPoolClient) }],
          Issuer: { 'Fn::Join': ['', ['https://cognito-idp.', { Ref: 'AWS::Region' }, '.amazonaws.com/', { Ref: logicalId(stacks.api.userPool) }]] },
        },
      });
    });

    it('gives every route function the Cognito settings, and but for health and the OpenAPI document the table and the cursor key’s ARN — never a key', () => {
      for (const [name, fn] of stacks.routeFunctions) {
        const env = envOf(fn);
        const noTable = name === 'Health' || name === 'OpenApi';
        expect(env, name).toMatchObject({
          AUTH_MODE: 'cognito',
          COGNITO_USER_POOL_ID: coreExport(stacks.api.userPool),
          COGNITO_CLIENT_ID: coreExport(stacks.api.userPoolClient),
          POWERTOOLS_LOG_LEVEL: 'INFO',
          ...(!noTable && { TABLE_NAME: { 'Fn::ImportValue': expect.stringMatching(/^Crm-Data-dev:/) }, CURSOR_SECRET_ARN: coreExport(stacks.api.cursorSecret) }),
        });
        if (noTable) expect(env.CURSOR_SECRET_ARN, name).toBeUndefined();
        expect(env.CURSOR_SECRET, name).toBeUndefined();
      }
    });

    it('keeps the cursor keys as {"current", "previous"?} in Secrets Manager, readable with GetSecretValue on that secret only (#11 item 6)', () => {
      api.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: { SecretStringTemplate: '{}', GenerateStringKey: 'current', PasswordLength: 64, ExcludePunctuation: true },
      });
      const users = [...stacks.routeFunctions.values(), stacks.schedules.dispatcher, stacks.schedules.jobs.consumer];
      for (const fn of users) {
        const name = fn.node.id;
        const statements = (Object.values(templateOf(fn).findResources('AWS::IAM::Policy')) as Resource[])
          .filter((p) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: logicalId(fn.lambda.role!) })))
          .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[]; Resource: unknown }[])
          .filter((st) => [st.Action].flat().some((a) => a.startsWith('secretsmanager:')));
        const cursorGrant = { Sid: 'ReadCursorSecret', Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: coreExport(stacks.api.cursorSecret) };
        if (name === 'Health' || name === 'OpenApi') expect(statements, name).toEqual([]);
        else expect(statements, name).toContainEqual(cursorGrant);
      }
    });

    it('lets GET routes (and the one OPTIONS, a form’s CORS preflight) read the table but never write it', () => {
      expect(routes.filter((r) => r.method === 'OPTIONS').map((r) => r.name)).toEqual(['FormPreflight']);
      for (const route of routes.filter((r) => !r.noTable)) {
        const actions = actionsOf(stacks.routeFunctions.get(route.name)!);
        expect(actions, route.name).toContain('dynamodb:GetItem');
        if (route.method === 'GET' || route.method === 'OPTIONS') expect(actions.filter((a) => writeActions.includes(a)), route.name).toEqual([]);
        else expect(actions, route.name).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:UpdateItem']));
        expect(actions, route.name).not.toContain('dynamodb:Scan');
      }
    });

    it('logs every request as JSON and throttles the default stage, in a stack deployed after every route stack', () => {
      const stage = templateOf(stacks.apiStage);
      stage.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        ApiId: coreExportMatch(stacks.api.api),
        StageName: '$default',
        AutoDeploy: true,
        AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
        DefaultRouteSettings: { ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      });
      expect(stacks.apiStage.dependencies.map((d) => d.stackName).sort()).toEqual(
        ['Crm-Api-dev', 'Crm-Api-Clients-dev', 'Crm-Api-Config-dev', 'Crm-Api-Events-dev', 'Crm-Api-Insights-dev', 'Crm-Api-Meta-dev', 'Crm-Api-Opportunities-dev', 'Crm-Api-Staff-dev', 'Crm-Api-Work-dev', 'Crm-Api-Data-dev', 'Crm-Api-Integrations-dev', 'Crm-Api-Inbox-dev', 'Crm-Api-Webhooks-dev', 'Crm-Api-Reports-dev'].sort(),
      );
    });

    it('throttles the costly routes below the stage default, and the hooks (#11 item 3, #13): not the forms, which are not on this API', () => {
      const stage = Object.values(templateOf(stacks.apiStage).findResources('AWS::ApiGatewayV2::Stage')) as Resource[];
      expect(stage).toHaveLength(1);
      const report = { ThrottlingRateLimit: 20, ThrottlingBurstLimit: 40 };
      const accounts = { ThrottlingRateLimit: 5, ThrottlingBurstLimit: 10 };
      const hooks = { ThrottlingRateLimit: 50, ThrottlingBurstLimit: 100 };
      // API Gateway refuses a stage whose route settings name a route the API does not have.
      expect(stage[0]!.Properties.RouteSettings).toEqual({
        'POST /hooks/{tenantId}/{connectionId}': hooks,
        'GET /hooks/{tenantId}/{connectionId}': hooks,
        'POST /v1/staff': accounts,
        'POST /v1/staff/{staffId}/deactivate': accounts,
        'GET /v1/pipeline/{staffId}': report,
        'GET /v1/dashboards/staff/{staffId}': report,
        'GET /v1/dashboards/manager/{staffId}': report,
        'GET /v1/dashboards/events': report,
        'GET /v1/dashboards/tenant': report,
        'GET /v1/gap-analysis/{staffId}': report,
        'POST /v1/reports/{id}/run': report,
        'POST /v1/reports/custom/run': report,
        'POST /v1/reports/saved/{savedId}/run': report,
      });
    });

    it('has an admin-only, MFA-optional, threat-protected user pool that is never deleted', () => {
      api.hasResource('AWS::Cognito::UserPool', {
        Properties: Match.objectLike({
          AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
          MfaConfiguration: 'OPTIONAL',
          Policies: {
            PasswordPolicy: Match.objectLike({ MinimumLength: 12, RequireUppercase: true, RequireLowercase: true, RequireNumbers: true, RequireSymbols: true }),
          },
          UserPoolTier: 'PLUS',
          UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
          DeletionProtection: 'ACTIVE',
        }),
        DeletionPolicy: 'Retain',
      });
      api.hasResourceProperties('AWS::Cognito::UserPoolClient', {
        GenerateSecret: false,
        ExplicitAuthFlows: Match.arrayEquals(['ALLOW_USER_SRP_AUTH', 'ALLOW_REFRESH_TOKEN_AUTH']),
      });
    });

    it('gives the user pool immutable tenant_id and staff_id attributes sized for a slug', () => {
      for (const name of ['tenant_id', 'staff_id']) {
        api.hasResourceProperties('AWS::Cognito::UserPool', {
          Schema: Match.arrayWith([{ Name: name, AttributeDataType: 'String', Mutable: false, StringAttributeConstraints: { MinLength: '1', MaxLength: '63' } }]),
        });
      }
    });

    it('attaches the pre-token-generation trigger as V2_0, invocable by this pool only, reading users and nothing else', () => {
      const triggerRef = { 'Fn::GetAtt': [logicalId(stacks.api.preTokenGeneration.lambda), 'Arn'] };
      api.hasResourceProperties('AWS::Cognito::UserPool', {
        LambdaConfig: { PreTokenGenerationConfig: { LambdaArn: triggerRef, LambdaVersion: 'V2_0' } },
      });
      api.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        FunctionName: triggerRef,
        Principal: 'cognito-idp.amazonaws.com',
        SourceArn: { 'Fn::GetAtt': [logicalId(stacks.api.userPool), 'Arn'] },
      });
      // Its own log group, its traces, and reading a user (an admin's MFA setting): no table, no bus.
      const actions = actionsOf(stacks.api.preTokenGeneration);
      expect(actions.filter((a) => a.startsWith('logs:')).length).toBeGreaterThan(0);
      expect(actions.filter((a) => !a.startsWith('logs:')).sort()).toEqual(['cognito-idp:AdminGetUser', 'xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
      const env = (api.findResources('AWS::Lambda::Function')[logicalId(stacks.api.preTokenGeneration.lambda)] as Resource).Properties.Environment.Variables;
      expect(env).toEqual({ NODE_OPTIONS: '--enable-source-maps', POWERTOOLS_LOG_LEVEL: 'INFO', POWERTOOLS_SERVICE_NAME: 'crm-api', POWERTOOLS_METRICS_NAMESPACE: 'Crm' });
    });

    it('lets the routes that create and deactivate staff, and only them, administer users of this pool with exactly the admin actions', () => {
      const poolArn = { 'Fn::ImportValue': expect.stringMatching(new RegExp(`^Crm-Api-dev:ExportsOutputFnGetAtt${logicalId(stacks.api.userPool)}Arn`)) };
      const staffRoutes = routes.filter(managesStaffAccounts);
      for (const route of routes) {
        const statements = cognitoStatements(stacks.routeFunctions.get(route.name)!);
        // Each step only what it calls (written out, not read from the code under test).
        if (route.name === 'CreateStaff') expect(statements, route.name).toEqual([{ Action: ['cognito-idp:AdminAddUserToGroup', 'cognito-idp:AdminCreateUser', 'cognito-idp:AdminGetUser'], Effect: 'Allow', Resource: poolArn }]);
        else if (route.name === 'DeactivateStaff') expect(statements, route.name).toEqual([{ Action: ['cognito-idp:AdminDisableUser', 'cognito-idp:AdminGetUser', 'cognito-idp:AdminUserGlobalSignOut'], Effect: 'Allow', Resource: poolArn }]);
        else expect(statements, route.name).toEqual([]);
        expect(staffRoutes.map((r) => r.name).sort()).toEqual(['CreateStaff', 'DeactivateStaff']);
      }
      // The Cognito trigger is no route: it reads users of the pools in this account and region, and changes none.
      expect(cognitoStatements(stacks.api.preTokenGeneration)).toEqual([
        {
          Action: ['cognito-idp:AdminGetUser'],
          Effect: 'Allow',
          Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':cognito-idp:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':userpool/*']] },
        },
      ]);
    });

    it('grants each group of routes exactly its actions: reads, writes (and their idempotency records), nothing for health and the OpenAPI document', () => {
      const read = ['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query'];
      const write = ['dynamodb:ConditionCheckItem', 'dynamodb:DeleteItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'];
      for (const route of routes) {
        const dynamo = [...new Set(actionsOf(stacks.routeFunctions.get(route.name)!).filter((a) => a.startsWith('dynamodb:')))].sort();
        if (route.name === 'Health' || route.name === 'OpenApi') expect(dynamo, route.name).toEqual([]);
        else if (route.method === 'GET' || route.method === 'OPTIONS') expect(dynamo, route.name).toEqual(read);
        else expect(dynamo, route.name).toEqual([...read, ...write].sort());
        expect(dynamo, route.name).not.toContain('dynamodb:BatchWriteItem');
        expect(dynamo, route.name).not.toContain('dynamodb:Scan');
      }
      expect(envOf(stacks.routeFunctions.get('Health')!).TABLE_NAME).toBeUndefined();
      expect(envOf(stacks.routeFunctions.get('OpenApi')!).TABLE_NAME).toBeUndefined();
    });

    it('grants account administration to exactly POST /v1/staff and POST /v1/staff/{staffId}/deactivate', () => {
      expect(routes.filter(managesStaffAccounts).map(routeKey).sort()).toEqual(['POST /v1/staff', 'POST /v1/staff/{staffId}/deactivate']);
    });

    it('has one Cognito group per role, ranked (lower precedence wins)', () => {
      const groups = Object.fromEntries((Object.values(api.findResources('AWS::Cognito::UserPoolGroup')) as Resource[]).map((g) => [g.Properties.GroupName, g.Properties.Precedence]));
      expect(groups).toEqual({ platform_admin: 0, tenant_admin: 10, manager: 20, asst_manager: 30, sales_officer: 40, tse: 50, warrior: 60, partner: 70, analyst: 80 });
      expect(Object.keys(groups).sort()).toEqual([...roles].sort());
    });

    it('lets the app client write no attribute but the display name: not the email, which deactivation and invitations go by (#11 item 5)', () => {
      const client = Object.values(api.findResources('AWS::Cognito::UserPoolClient'))[0] as Resource;
      expect(client.Properties.WriteAttributes).toEqual(['name']);
      expect([...client.Properties.ReadAttributes].sort()).toEqual(['custom:staff_id', 'custom:tenant_id', 'email', 'email_verified', 'name']);
    });

    it('sends invitations and verification codes in our own words (and, given a verified identity, through SES)', () => {
      api.hasResourceProperties('AWS::Cognito::UserPool', {
        AdminCreateUserConfig: Match.objectLike({
          InviteMessageTemplate: Match.objectLike({ EmailSubject: 'Your Sales CRM account', EmailMessage: Match.stringLikeRegexp('\\{username\\}.*\\{####\\}') }),
        }),
        VerificationMessageTemplate: Match.objectLike({ DefaultEmailOption: 'CONFIRM_WITH_CODE', EmailSubject: 'Your Sales CRM verification code' }),
        EmailConfiguration: { EmailSendingAccount: 'COGNITO_DEFAULT' },
      });
      const app2 = unbundledApp();
      app2.node.setContext('mailFrom', 'crm@mail.example.com');
      // SES options need a known region (staging and prod always name theirs).
      app2.node.setContext('region', 'ap-south-1');
      const withSes = Template.fromStack(createCrmStacks(app2).api);
      withSes.hasResourceProperties('AWS::Cognito::UserPool', {
        EmailConfiguration: {
          EmailSendingAccount: 'DEVELOPER',
          From: 'Sales CRM <crm@mail.example.com>',
          SourceArn: { 'Fn::Join': ['', ['arn:aws:ses:ap-south-1:', { Ref: 'AWS::AccountId' }, ':identity/mail.example.com']] },
        },
      });
    });
  });

  it('keeps every stack under 400 resources (CloudFormation refuses 500): a stack near it must be split before it grows (#11 item 1)', () => {
    const all = app.node.children.filter((c): c is Stack => c instanceof Stack);
    const counts = Object.fromEntries(all.map((stack) => [stack.stackName, Object.keys(templateOf(stack).toJSON().Resources ?? {}).length]));
    for (const [name, n] of Object.entries(counts)) expect(n, `${name}: ${n} resources`).toBeLessThanOrEqual(400);
    // A route costs 7 resources (function, role, policy, log group, integration, route, permission):
    // Clients' 18 routes are 126, so each group has room for 39 more before the guard trips; with them
    // the mail feedback (#14): the configuration set and its event destination, the topic with its
    // policy and subscription, the queue and dead-letter queue with their policies, the consumer
    // (function, role, policy, log group, event source mapping): 14.
    expect(counts['Crm-Api-Clients-dev']).toBe(140);
    // Integrations: its 15 routes (105), the inbound worker (function, role, policy, log group, event
    // source mapping, queue and dead-letter queue with their policies: 9) and the forms API with its stage (2).
    expect(counts['Crm-Api-Integrations-dev']).toBe(116);
    expect(counts['Crm-Api-dev']).toBeLessThan(30);
  });

  describe('backups and the event archive (#11 item 7)', () => {
    it('backs the single table up daily at 21:30 UTC into a retained vault, each copy kept 35 days', () => {
      data.resourceCountIs('AWS::Backup::BackupPlan', 1);
      data.hasResourceProperties('AWS::Backup::BackupPlan', {
        BackupPlan: {
          BackupPlanName: Match.anyValue(),
          BackupPlanRule: [
            Match.objectLike({
              RuleName: 'Daily35Days',
              ScheduleExpression: 'cron(30 21 * * ? *)',
              Lifecycle: { DeleteAfterDays: 35 },
              TargetBackupVault: { 'Fn::GetAtt': [logicalId(stacks.data.backupVault), 'BackupVaultName'] },
            }),
          ],
        },
      });
      data.hasResourceProperties('AWS::Backup::BackupSelection', {
        BackupSelection: Match.objectLike({ Resources: [{ 'Fn::GetAtt': [logicalId(stacks.data.table), 'Arn'] }] }),
      });
      data.hasResource('AWS::Backup::BackupVault', { DeletionPolicy: 'Retain', UpdateReplacePolicy: 'Retain' });
      // Unlocked unless asked (production): a lock cannot be undone.
      expect(Object.values(data.findResources('AWS::Backup::BackupVault')).map((v: any) => v.Properties.LockConfiguration)).toEqual([undefined]);
      const locked = new DataStack(unbundledApp(), 'Locked', { lockBackupVault: true });
      Template.fromStack(locked).hasResourceProperties('AWS::Backup::BackupVault', { LockConfiguration: { MinRetentionDays: 35 } });
    });

    it('orders timeouts: each ClickHouse request ends before its function, each queue hides a message ≥ 6× its consumer’s timeout', () => {
      const templates = [data, events, analytics, api, ...[...stacks.apiRoutes.values()].map(templateOf), schedulesTemplate];
      let clickHouseFunctions = 0;
      let mappings = 0;
      for (const t of templates) {
        const functions = t.findResources('AWS::Lambda::Function') as Record<string, Resource>;
        for (const fn of Object.values(functions)) {
          const ms = fn.Properties.Environment?.Variables?.CLICKHOUSE_REQUEST_TIMEOUT_MS;
          if (ms === undefined) continue;
          clickHouseFunctions++;
          expect(Number(ms)).toBeLessThan(fn.Properties.Timeout * 1000);
        }
        const queues = t.findResources('AWS::SQS::Queue') as Record<string, Resource>;
        for (const m of Object.values(t.findResources('AWS::Lambda::EventSourceMapping') as Record<string, Resource>)) {
          const queueId = m.Properties.EventSourceArn?.['Fn::GetAtt']?.[0];
          if (!queueId || !queues[queueId]) continue;
          mappings++;
          const fn = functions[m.Properties.FunctionName.Ref]!;
          expect(queues[queueId]!.Properties.VisibilityTimeout, queueId).toBeGreaterThanOrEqual(6 * fn.Properties.Timeout);
        }
      }
      // The dashboard routes, the loader, the migrations custom resource and the jobs consumer; the loader's, the jobs', the data, the inbound and the mail-feedback queue, and the webhooks' fan-out and send queues (#15).
      expect(clickHouseFunctions).toBe(routes.filter((r) => r.analytics).length + 3);
      expect(mappings).toBe(7);
    });

    it('sends webhooks from a queue that hides a message 6× the sender’s 30 s, at most 20 senders at once; retries past 15 min are one-off schedules whose role may only SendMessage to that queue (#15)', () => {
      const w = stacks.apiRoutes.get('Webhooks')!.webhookSender!;
      const t = templateOf(w.sender);
      const fn = t.findResources('AWS::Lambda::Function')[logicalId(w.sender.lambda)] as Resource;
      expect(fn.Properties.Timeout).toBe(30);
      const queues = t.findResources('AWS::SQS::Queue') as Record<string, Resource>;
      expect(queues[logicalId(w.queue)]!.Properties).toEqual({
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(w.deadLetterQueue), 'Arn'] }, maxReceiveCount: 5 },
        SqsManagedSseEnabled: true,
        VisibilityTimeout: 180,
        Tags: expect.any(Array),
      });
      expect(queues[logicalId(w.deadLetterQueue)]!.Properties).toMatchObject({ MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true });
      t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [logicalId(w.queue), 'Arn'] },
        FunctionName: { Ref: logicalId(w.sender.lambda) },
        BatchSize: 10,
        MaximumBatchingWindowInSeconds: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 20 },
      });
      t.hasResourceProperties('AWS::Scheduler::ScheduleGroup', { Name: 'Crm-Api-Webhooks-dev-webhook-retries' });
      // The scheduler's role: assumed by EventBridge Scheduler only, allowed sqs:SendMessage on the send queue and nothing else.
      const role = t.findResources('AWS::IAM::Role')[logicalId(w.schedulerRole)] as Resource;
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'scheduler.amazonaws.com' } }]);
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      const rolePolicies = (Object.values(t.findResources('AWS::IAM::Policy')) as Resource[]).filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: logicalId(w.schedulerRole) }]));
      expect(rolePolicies.flatMap((p) => p.Properties.PolicyDocument.Statement)).toEqual([{ Action: 'sqs:SendMessage', Effect: 'Allow', Resource: { 'Fn::GetAtt': [logicalId(w.queue), 'Arn'] } }]);
      // The sender: CreateSchedule in that group only, and passing that role to the Scheduler only.
      const env = envOf(w.sender);
      expect(env).toMatchObject({ WEBHOOK_QUEUE_URL: { Ref: logicalId(w.queue) }, WEBHOOK_QUEUE_ARN: { 'Fn::GetAtt': [logicalId(w.queue), 'Arn'] }, WEBHOOK_SCHEDULER_ROLE_ARN: { 'Fn::GetAtt': [logicalId(w.schedulerRole), 'Arn'] }, WEBHOOK_SCHEDULE_GROUP: 'Crm-Api-Webhooks-dev-webhook-retries', MAIL_MODE: 'ses' });
      expect(env.WEBHOOKS_ALLOW_LOOPBACK).toBeUndefined();
      const senderStatements = (Object.values(t.findResources('AWS::IAM::Policy')) as Resource[])
        .filter((p) => JSON.stringify(p.Properties.Roles) === JSON.stringify([{ Ref: logicalId(w.sender.lambda.role!) }]))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as { Sid?: string }[]);
      expect(senderStatements.filter((st) => st.Sid === 'WebhookRetrySchedules' || st.Sid === 'PassSchedulerRole')).toEqual([
        { Sid: 'WebhookRetrySchedules', Action: 'scheduler:CreateSchedule', Effect: 'Allow', Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:', { Ref: 'AWS::Region' }, ':', { Ref: 'AWS::AccountId' }, ':schedule/Crm-Api-Webhooks-dev-webhook-retries/*']] } },
        { Sid: 'PassSchedulerRole', Action: 'iam:PassRole', Condition: { StringEquals: { 'iam:PassedToService': 'scheduler.amazonaws.com' } }, Effect: 'Allow', Resource: { 'Fn::GetAtt': [logicalId(w.schedulerRole), 'Arn'] } },
      ]);
      // No Lambda of the app may reach loopback: only the local stack sets that.
      for (const [name, f] of everyFunction()) expect(envOf(f).WEBHOOKS_ALLOW_LOOPBACK, name).toBeUndefined();
    });

    it('queues inbound deliveries for a worker of 60 s behind a queue that hides a message 6× as long, dead-lettered after 5 receives (#13)', () => {
      const inbound = stacks.apiRoutes.get('Integrations')!.inboundWorker!;
      const t = templateOf(inbound.worker);
      const fn = t.findResources('AWS::Lambda::Function')[logicalId(inbound.worker.lambda)] as Resource;
      expect(fn.Properties.Timeout).toBe(60);
      const queues = t.findResources('AWS::SQS::Queue') as Record<string, Resource>;
      expect(Object.keys(queues).sort()).toEqual([logicalId(inbound.deadLetterQueue), logicalId(inbound.queue)].sort());
      expect(queues[logicalId(inbound.queue)]!.Properties).toEqual({
        RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(inbound.deadLetterQueue), 'Arn'] }, maxReceiveCount: 5 },
        SqsManagedSseEnabled: true,
        VisibilityTimeout: 360,
        Tags: expect.any(Array),
      });
      expect(queues[logicalId(inbound.queue)]!.Properties.VisibilityTimeout).toBeGreaterThanOrEqual(6 * fn.Properties.Timeout);
      expect(queues[logicalId(inbound.deadLetterQueue)]!.Properties).toMatchObject({ MessageRetentionPeriod: 1209600, SqsManagedSseEnabled: true });
      t.resourcePropertiesCountIs('AWS::SQS::QueuePolicy', { PolicyDocument: { Statement: Match.arrayWith([Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } })]) } }, 2);
      t.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
      t.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [logicalId(inbound.queue), 'Arn'] },
        FunctionName: { Ref: logicalId(inbound.worker.lambda) },
        BatchSize: 5,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 10 },
      });
      // It consumes; it neither sends (the hooks, connection routes and the jobs consumer do) nor reaches ClickHouse.
      const actions = actionsOf(inbound.worker);
      expect(actions).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage', 'dynamodb:PutItem', 'dynamodb:UpdateItem']));
      expect(actions).not.toContain('sqs:SendMessage');
      expect(envOf(inbound.worker).CLICKHOUSE_URL).toBeUndefined();
    });

    it('archives every domain event of the bus for a year, and not the job requests', () => {
      events.resourceCountIs('AWS::Events::Archive', 1);
      events.hasResourceProperties('AWS::Events::Archive', {
        ArchiveName: 'Crm-Events-dev-domain-events',
        SourceArn: { 'Fn::GetAtt': [logicalId(stacks.events.bus), 'Arn'] },
        EventPattern: { source: ['crm.core'] },
        RetentionDays: 365,
      });
    });
  });

  describe('schedules (issue #10)', () => {
    it('deploys each schedule of events/schedules.ts as an EventBridge Scheduler schedule invoking the dispatcher with the run’s due time', () => {
      const found = Object.values(schedulesTemplate.findResources('AWS::Scheduler::Schedule')) as Resource[];
      expect(found.map((r) => [r.Properties.ScheduleExpression, r.Properties.ScheduleExpressionTimezone, JSON.parse(r.Properties.Target.Input)])).toEqual([
        ['rate(15 minutes)', 'UTC', { schedule: 'missed-sweep', scheduledTime: '<aws.scheduler.scheduled-time>', executionId: '<aws.scheduler.execution-id>', input: { job: 'missed-sweep' } }],
        ['cron(0/15 * * * ? *)', 'UTC', { schedule: 'daily-tasks', scheduledTime: '<aws.scheduler.scheduled-time>', executionId: '<aws.scheduler.execution-id>', input: { job: 'daily-tasks' } }],
        ['rate(1 hour)', 'UTC', { schedule: 'reconcile', scheduledTime: '<aws.scheduler.scheduled-time>', executionId: '<aws.scheduler.execution-id>', input: { job: 'reconcile' } }],
        ['cron(0/15 * * * ? *)', 'UTC', { schedule: 'scheduled-reports', scheduledTime: '<aws.scheduler.scheduled-time>', executionId: '<aws.scheduler.execution-id>', input: { job: 'scheduled-reports' } }],
        ['cron(0/15 * * * ? *)', 'UTC', { schedule: 'gap-analysis', scheduledTime: '<aws.scheduler.scheduled-time>', executionId: '<aws.scheduler.execution-id>', input: { job: 'gap-analysis' } }],
      ]);
      for (const r of found) {
        expect(r.Properties.Target).toMatchObject({
          Arn: { 'Fn::GetAtt': [logicalId(stacks.schedules.dispatcher.lambda), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 600 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^ScheduleDeadLetterQueue/), 'Arn'] } },
        });
        expect(r.Properties.FlexibleTimeWindow).toEqual({ Mode: 'OFF' });
      }
    });

    it('lets the dispatcher read the table and put on the bus only, and the jobs consumer use the table, ClickHouse, SES and (for the reconcile pull) the inbound queue', () => {
      const dispatcher = actionsOf(stacks.schedules.dispatcher);
      expect(dispatcher.filter((a) => a.startsWith('dynamodb:')).sort()).toEqual(['dynamodb:BatchGetItem', 'dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:Query'].sort());
      expect(dispatcher).toContain('events:PutEvents');
      const worker = actionsOf(stacks.schedules.jobs.consumer);
      expect(worker).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:ConditionCheckItem', 'secretsmanager:GetSecretValue', 'ses:SendEmail', 'ses:SendRawEmail', 'sqs:SendMessage']));
      // The inbound queue is Crm-Api-Integrations', the email configuration set Crm-Api-Clients': deployed before the schedules.
      expect(stacks.schedules.dependencies.map((d) => d.stackName).sort()).toEqual(['Crm-Analytics-dev', 'Crm-Api-Clients-dev', 'Crm-Api-Integrations-dev', 'Crm-Api-dev', 'Crm-Data-dev', 'Crm-Events-dev'].sort());
      expect(envOf(stacks.schedules.jobs.consumer).SES_CONFIGURATION_SET).toBe('crm-dev-mail');
      expect(worker).not.toContain('dynamodb:Scan');
      expect(worker).not.toContain('events:PutEvents');
    });
  });

  describe('events', () => {
    it('gives every rule of rules.ts exactly one queue and consumer, the analytics loader’s in Crm-Analytics, the jobs’ in Crm-Schedules, the webhooks’ fan-out in Crm-Api-Webhooks', () => {
      events.resourceCountIs('AWS::Events::EventBus', 1);
      // Every crm.core event to the analytics loader (the analytics stack owns it) and to the webhooks' fan-out (beside the send queue, #15); job requests to the jobs consumer.
      expect(rules.map((r) => r.name)).toEqual(['analytics-loader', 'jobs', 'webhooks']);
      expect(consumers.map(({ consumer }) => consumer.node.id)).toEqual(['analytics-loader', 'Jobs', 'FanOut']);
      events.resourceCountIs('AWS::Events::Rule', 0);
      analytics.resourceCountIs('AWS::Events::Rule', 1);
      schedulesTemplate.resourceCountIs('AWS::Events::Rule', 1);
      templateOf(stacks.apiRoutes.get('Webhooks')!).resourceCountIs('AWS::Events::Rule', 1);
      api.resourceCountIs('AWS::Events::Rule', 0);
    });

    it('routes each rule from the custom bus to its queue, with the same DLQ for undeliverable events', () => {
      for (const { consumer, template } of consumers) {
        template.hasResourceProperties('AWS::Events::Rule', {
          // The bus by name: a Ref inside Crm-Events, an import of its export elsewhere.
          EventBusName: template === events ? { Ref: logicalId(stacks.events.bus) } : { 'Fn::ImportValue': 'Crm-Events-dev:ExportsOutputRefBusEA82B6486A28F94F' },
          EventPattern: consumer === stacks.schedules.jobs ? { source: ['crm.jobs'], 'detail-type': ['job.requested'] } : { source: ['crm.core'] },
          Targets: [
            Match.objectLike({
              Arn: { 'Fn::GetAtt': [logicalId(consumer.queue), 'Arn'] },
              DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(consumer.deadLetterQueue), 'Arn'] } },
            }),
          ],
        });
      }
      events.hasOutput('ExportsOutputRefBusEA82B6486A28F94F', { Value: { Ref: logicalId(stacks.events.bus) }, Export: { Name: 'Crm-Events-dev:ExportsOutputRefBusEA82B6486A28F94F' } });
    });

    it('gives each queue a DLQ after maxReceiveCount receives, TLS-only access and encryption', () => {
      for (const { consumer, template } of consumers) {
        template.hasResourceProperties('AWS::SQS::Queue', {
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(consumer.deadLetterQueue), 'Arn'] }, maxReceiveCount: 5 },
          SqsManagedSseEnabled: true,
          // Six times the consumer's timeout: 30 s, or 5 minutes for one tenant's job run.
          VisibilityTimeout: consumer === stacks.schedules.jobs ? 1800 : 180,
        });
      }
      for (const template of [events, analytics, schedulesTemplate]) {
        const queues = Object.values(template.findResources('AWS::SQS::Queue')) as Resource[];
        expect(queues.length).toBeGreaterThan(0);
        for (const queue of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
        template.resourcePropertiesCountIs(
          'AWS::SQS::QueuePolicy',
          {
            PolicyDocument: {
              Statement: Match.arrayWith([
                Match.objectLike({ Effect: 'Deny', Action: 'sqs:*', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
              ]),
            },
          },
          queues.length,
        );
      }
    });

    it('consumes each queue in batches, reporting partial batch failures', () => {
      for (const { consumer, template } of consumers) {
        template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
          EventSourceArn: { 'Fn::GetAtt': [logicalId(consumer.queue), 'Arn'] },
          FunctionName: { Ref: logicalId(consumer.consumer.lambda) },
          // 100 facts a batch; one tenant's job run a message; 25 events a fan-out batch (#15).
          BatchSize: consumer === stacks.schedules.jobs ? 1 : consumer === stacks.apiRoutes.get('Webhooks')!.webhookSender!.fanOut ? 25 : 100,
          MaximumBatchingWindowInSeconds: 1,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
        });
      }
    });

    it('publishes from the table stream with bounded retries, bisect, a maximum record age and an on-failure queue', () => {
      events.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
      events.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(stacks.events.publisher.lambda) },
        EventSourceArn: { 'Fn::ImportValue': Match.stringLikeRegexp('^Crm-Data-dev:ExportsOutputFnGetAttTable.*StreamArn') },
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
        MaximumRetryAttempts: 5,
        BisectBatchOnFunctionError: true,
        MaximumBatchingWindowInSeconds: 1,
        // 6 h: the stream keeps records 24 h, so a pointer in the on-failure queue stays replayable for 18 h.
        MaximumRecordAgeInSeconds: 21600,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StreamPublisherDeadLetterQueue'), 'Arn'] } } },
      });
    });

    describe('the stream filter', () => {
      const patterns = () => {
        const mapping = Object.values(events.findResources('AWS::Lambda::EventSourceMapping'))[0] as Resource;
        return (mapping.Properties.FilterCriteria.Filters as { Pattern: string }[]).map((f) => f.Pattern);
      };
      /** A stream record as Lambda filters it (NEW_AND_OLD_IMAGES, DynamoDB JSON). */
      const record = (eventName: 'INSERT' | 'MODIFY' | 'REMOVE', entity: string | undefined) => {
        const image = { pk: { S: 'T#demo#C#01J' }, sk: { S: 'X' }, ...(entity !== undefined && { entity: { S: entity } }) };
        return { eventName, eventSource: 'aws:dynamodb', dynamodb: { Keys: { pk: image.pk, sk: image.sk }, ...(eventName !== 'REMOVE' && { NewImage: image }), ...(eventName !== 'INSERT' && { OldImage: image }), StreamViewType: 'NEW_AND_OLD_IMAGES' } };
      };
      const passes = (r: object) => patterns().some((p) => matchesPattern(JSON.parse(p), r));

      it('is exactly: a new image not of client_index, open_opportunity, membership, alert, job_run, data_job, tenant_registry, connection, delivery, lead_ref, invoice, invoice_ref, counter, message_ref, consent, unread, unread_noted, inbox_mail, inbox_attached, webhook, webhook_delivery, webhook_delivery_ref or saved_report; or a REMOVE of an item that is not one either', () => {
        expect(patterns()).toEqual([
          '{"dynamodb":{"NewImage":{"entity":{"S":[{"anything-but":["client_index","open_opportunity","membership","alert","job_run","data_job","tenant_registry","connection","delivery","lead_ref","invoice","invoice_ref","counter","message_ref","consent","unread","unread_noted","inbox_mail","inbox_attached","webhook","webhook_delivery","webhook_delivery_ref","saved_report"]}]}}}}',
          '{"eventName":["REMOVE"],"dynamodb":{"OldImage":{"entity":{"S":[{"anything-but":["client_index","open_opportunity","membership","alert","job_run","data_job","tenant_registry","connection","delivery","lead_ref","invoice","invoice_ref","counter","message_ref","consent","unread","unread_noted","inbox_mail","inbox_attached","webhook","webhook_delivery","webhook_delivery_ref","saved_report"]}]}}}}',
        ]);
      });

      it.each(['client_index', 'open_opportunity', 'membership', 'alert', 'job_run', 'data_job', 'tenant_registry', 'connection', 'delivery', 'lead_ref', 'invoice', 'invoice_ref', 'counter', 'message_ref', 'consent', 'unread', 'unread_noted'])('drops every change of a %s item', (entity) => {
        for (const kind of ['INSERT', 'MODIFY', 'REMOVE'] as const) expect(passes(record(kind, entity)), kind).toBe(false);
      });

      it.each(['client', 'opportunity', 'stage_transition', 'event', 'audit', 'tenant', 'config', 'staff'])('passes inserts, updates and removals of a %s item', (entity) => {
        for (const kind of ['INSERT', 'MODIFY', 'REMOVE'] as const) expect(passes(record(kind, entity)), kind).toBe(true);
      });

      it('passes an item type no mapper knows yet (the publisher warns about it), drops an item without an entity', () => {
        expect(passes(record('INSERT', 'quote'))).toBe(true);
        expect(passes(record('INSERT', undefined))).toBe(false);
      });
    });

    it('lets the publisher put events on the bus, named in EVENT_BUS_NAME, and nothing on the table', () => {
      const busRef = { Ref: logicalId(stacks.events.bus) };
      events.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ EVENT_BUS_NAME: busRef }) },
      });
      events.hasResourceProperties('AWS::IAM::Policy', {
        PolicyDocument: {
          Statement: Match.arrayWith([{ Action: 'events:PutEvents', Effect: 'Allow', Resource: { 'Fn::GetAtt': [busRef.Ref, 'Arn'] } }]),
        },
      });
      const actions = actionsOf(stacks.events.publisher);
      expect(actions).toContain('dynamodb:GetRecords');
      expect(actions.filter((a) => writeActions.includes(a) || a === 'dynamodb:GetItem')).toEqual([]);
    });
  });

  describe('inbound email (#14)', () => {
    it('receives mail for the whole reply domain: the raw message to the mail bucket under inbound-mail/, then the receiver, invoked asynchronously; spam and virus scans on', () => {
      const t = templateOf(stacks.mail!.bucket);
      t.resourceCountIs('AWS::SES::ReceiptRuleSet', 1);
      t.hasResourceProperties('AWS::SES::ReceiptRuleSet', { RuleSetName: 'crm-mail-dev-inbound' });
      t.resourceCountIs('AWS::SES::ReceiptRule', 1);
      const [rule] = Object.values(t.findResources('AWS::SES::ReceiptRule')) as Resource[];
      expect(rule!.Properties.Rule).toEqual({
        Enabled: true,
        Recipients: ['reply.crm.example'],
        ScanEnabled: true,
        TlsPolicy: 'Optional',
        Actions: [
          { S3Action: { BucketName: { Ref: logicalId(stacks.mail!.bucket) }, ObjectKeyPrefix: 'inbound-mail/' } },
          { LambdaAction: { FunctionArn: { 'Fn::GetAtt': [logicalId(stacks.mail!.receiver.lambda), 'Arn'] }, InvocationType: 'Event' } },
        ],
      });
      // SES may put objects under inbound-mail/ for this account only, and invoke the receiver for it only.
      t.hasResourceProperties('AWS::S3::BucketPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Allow', Action: 's3:PutObject', Principal: { Service: 'ses.amazonaws.com' }, Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } } }),
          ]),
        },
      });
      t.hasResourceProperties('AWS::Lambda::Permission', { Action: 'lambda:InvokeFunction', Principal: 'ses.amazonaws.com', SourceAccount: { Ref: 'AWS::AccountId' } });
      t.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 21600,
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [logicalId(stacks.mail!.deadLetterQueue), 'Arn'] } } },
      });
    });

    it('keeps the raw mail private, encrypted, TLS-only and logged, for 30 days', () => {
      const t = templateOf(stacks.mail!.bucket);
      const bucket = t.findResources('AWS::S3::Bucket')[logicalId(stacks.mail!.bucket)] as Resource & { DeletionPolicy: string };
      expect(bucket.DeletionPolicy).toBe('Retain');
      expect(bucket.Properties).toMatchObject({
        PublicAccessBlockConfiguration: { BlockPublicAcls: true, BlockPublicPolicy: true, IgnorePublicAcls: true, RestrictPublicBuckets: true },
        BucketEncryption: { ServerSideEncryptionConfiguration: [{ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } }] },
        LifecycleConfiguration: { Rules: [{ Prefix: 'inbound-mail/', ExpirationInDays: 30, Status: 'Enabled' }] },
        LoggingConfiguration: { LogFilePrefix: 'mail/' },
      });
    });

    it('lets the receiver read inbound-mail/ of the mail bucket and write messages/ of the media bucket: nothing else of either, no queue but its on-failure one', () => {
      const fn = stacks.mail!.receiver;
      expect(s3StatementsOf(fn)).toEqual([
        { prefix: 'messages/', actions: ['s3:GetObject', 's3:PutObject'] },
        { prefix: '(bucket)', actions: ['s3:GetObject'] },
      ]);
      const rawMail = (Object.values(templateOf(fn).findResources('AWS::IAM::Policy')) as Resource[]).flatMap((p) => p.Properties.PolicyDocument.Statement).find((st: { Sid?: string }) => st.Sid === 'RawMail');
      expect(rawMail).toEqual({ Sid: 'RawMail', Effect: 'Allow', Action: 's3:GetObject', Resource: { 'Fn::Join': ['', [{ 'Fn::GetAtt': [logicalId(stacks.mail!.bucket), 'Arn'] }, '/inbound-mail/*']] } });
      // What Lambda's on-failure destination needs of its queue.
      expect(actionsOf(fn).filter((a) => a.startsWith('sqs:')).sort()).toEqual(['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage']);
      expect(actionsOf(fn)).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem', 'secretsmanager:GetSecretValue']));
      expect(actionsOf(fn).filter((a) => a.startsWith('ses:'))).toEqual([]);
      expect(envOf(fn)).toMatchObject({ MAIL_BUCKET: { Ref: logicalId(stacks.mail!.bucket) }, MAIL_REPLY_DOMAIN: 'reply.crm.example', MEDIA_BUCKET: expect.anything(), CURSOR_SECRET_ARN: expect.anything() });
      expect(templateOf(fn).findResources('AWS::Lambda::Function')[logicalId(fn.lambda)]!.Properties.Timeout).toBe(60);
    });

    it('writes thread addresses at the domain it receives for: the send route’s MAIL_REPLY_DOMAIN, the stage’s replyDomain (reply. and mailFrom’s domain by default)', () => {
      expect(envOf(stacks.routeFunctions.get('SendMessage')!).MAIL_REPLY_DOMAIN).toBe('reply.crm.example');
      const app2 = unbundledApp();
      app2.node.setContext('mailFrom', 'crm@mail.example.com');
      // SES options need a known region (staging and prod always name theirs).
      app2.node.setContext('region', 'ap-south-1');
      const withMail = createCrmStacks(app2);
      expect(withMail.stage.replyDomain).toBe('reply.mail.example.com');
      expect(envOf(withMail.routeFunctions.get('SendMessage')!).MAIL_REPLY_DOMAIN).toBe('reply.mail.example.com');
      expect(envOf(withMail.mail!.receiver).MAIL_REPLY_DOMAIN).toBe('reply.mail.example.com');
      const app3 = unbundledApp();
      app3.node.setContext('replyDomain', 'Not A Domain');
      expect(() => createCrmStacks(app3)).toThrow('replyDomain not a domain: a mail domain (reply.example.com)');
    });
  });

  describe('cdk-nag (AWS Solutions)', () => {
    it('reports no finding that is neither fixed nor acknowledged', () => {
      const report = new AwsSolutionsChecks().validateScope(app);
      const findings = report.violations.flatMap((v) =>
        v.violatingResources.map((r) => `${v.severity} ${v.ruleName} at ${r.constructPath}: ${v.description}`),
      );
      // Warnings fail `cdk synth` just like errors (the plugin reports failure on any finding).
      expect(findings).toEqual([]);
    });

    it('gives every acknowledgement a written reason', () => {
      const acknowledgements = app.node
        .findAll()
        .flatMap((c) => c.node.metadata.filter((m) => m.type === Validations.ACKNOWLEDGED_RULES_METADATA_KEY))
        .flatMap((m) => Object.entries(m.data as Record<string, string>));
      expect(acknowledgements.length).toBeGreaterThan(0);
      for (const [id, reason] of acknowledgements) expect(reason.length, id).toBeGreaterThan(30);
    });
  });
});

describe('bindQueue', () => {
  const bound = (mode: 'send' | 'consume') => {
    const stack = new Stack(unbundledApp(), 'Bind');
    const queue = new CrmQueue(stack, 'Queue');
    const fn = new CrmFunction(stack, 'Fn', { entry: routes[0]!.entry });
    bindQueue(fn, queue, mode, 'WORK_QUEUE_URL');
    const template = Template.fromStack(stack);
    const env = (template.findResources('AWS::Lambda::Function')[logicalId(fn.lambda)] as Resource).Properties.Environment.Variables;
    return { env, actions: actionsOf(fn), queueRef: { Ref: logicalId(queue) } };
  };

  it('lets a sender send, and only send, with the queue URL in the named variable', () => {
    const { env, actions, queueRef } = bound('send');
    expect(env.WORK_QUEUE_URL).toEqual(queueRef);
    expect(actions).toContain('sqs:SendMessage');
    expect(actions).not.toContain('sqs:ReceiveMessage');
  });

  it('lets a consumer receive and delete, but not send', () => {
    const { env, actions, queueRef } = bound('consume');
    expect(env.WORK_QUEUE_URL).toEqual(queueRef);
    expect(actions).toEqual(expect.arrayContaining(['sqs:ReceiveMessage', 'sqs:DeleteMessage']));
    expect(actions).not.toContain('sqs:SendMessage');
  });
});

describe('bindUserPool', () => {
  it('sets COGNITO_USER_POOL_ID and grants exactly one step’s admin actions on that pool only', () => {
    const stack = new Stack(unbundledApp(), 'BindPool');
    const pool = new cognito.UserPool(stack, 'Pool');
    const fn = new CrmFunction(stack, 'Fn', { entry: routes[0]!.entry });
    bindUserPool(fn, pool, 'disable');
    const template = Template.fromStack(stack);

    const env = (template.findResources('AWS::Lambda::Function')[logicalId(fn.lambda)] as Resource).Properties.Environment.Variables;
    expect(env.COGNITO_USER_POOL_ID).toEqual({ Ref: logicalId(pool) });
    // Sorted: the cdk.json feature flag minimizePolicies reorders actions within a statement.
    expect(cognitoStatements(fn)).toEqual([
      { Action: ['cognito-idp:AdminDisableUser', 'cognito-idp:AdminGetUser', 'cognito-idp:AdminUserGlobalSignOut'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [logicalId(pool), 'Arn'] } },
    ]);
    expect(actionsOf(fn).filter((a) => a.startsWith('cognito-idp:')).sort()).toEqual([...userPoolAdminActions.disable].sort());
  });
});

describe('CrmFunction bundling', () => {
  /** Synthesises one CrmFunction for `entry` (bundled by the local esbuild, as `cdk synth` does) and hands over its asset. */
  function withBundle(entry: string, check: (asset: { dir: string; bundle: string; code: string; sources: string[] }) => void | Promise<void>) {
    return async () => {
      const outdir = mkdtempSync(path.join(tmpdir(), 'crm-bundle-'));
      try {
        const app = new App({ outdir });
        new CrmFunction(new Stack(app, 'Bundle'), 'Probe', { entry });
        const assembly = app.synth();
        const assets = readdirSync(assembly.directory).filter((name) => name.startsWith('asset.'));
        expect(assets).toHaveLength(1);
        const dir = path.join(assembly.directory, assets[0]!);
        const bundle = path.join(dir, 'index.mjs');
        // The source map lists every input file esbuild put into the bundle (sourcesContent is off).
        const { sources } = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[] };
        await check({ dir, bundle, code: readFileSync(bundle, 'utf8'), sources });
      } finally {
        rmSync(outdir, { recursive: true, force: true });
      }
    };
  }

  it(
    'bundles a handler with the local esbuild into one ESM file of at most 1 MB',
    // A write route pulls in the most code (validation, phone numbers, the store).
    withBundle((routes.find((r) => r.method === 'POST') ?? routes[0]!).entry, ({ bundle, code }) => {
      const size = statSync(bundle).size;
      console.info(`${(routes.find((r) => r.method === 'POST') ?? routes[0]!).entry}: ${(size / 1024).toFixed(0)} KiB`);
      expect(size).toBeLessThanOrEqual(1024 * 1024);
      expect(code).toMatch(/^import \{ createRequire \} from 'node:module';/);
    }),
  );

  it(
    'bundles the analytics loader without chDB, within 1 MB, and the bundle loads without it',
    withBundle(rules.find((r) => r.name === 'analytics-loader')!.target.entry, async ({ dir, bundle, code, sources }) => {
      const size = statSync(bundle).size;
      console.info(`functions/queues/analytics-loader.ts: ${(size / 1024).toFixed(0)} KiB`);
      expect(size).toBeLessThanOrEqual(1024 * 1024);

      // No chDB code went in: neither the package, nor its platform binaries, nor the adapter that imports it.
      expect(sources.filter((s) => /chdb/i.test(s))).toEqual([]);
      expect(sources.some((s) => s.includes('node_modules/@clickhouse/client/'))).toBe(true);
      expect(sources.some((s) => s.includes('functions/lib/analytics/analytics.clickhouse.ts'))).toBe(true);
      // And nothing imports it statically: the one reference left is the adapter's dynamic import,
      // which runs only with ANALYTICS_MODE=chdb (never in a Lambda).
      expect(code).not.toMatch(/from\s*["'](?:chdb|@chdb\/[^"']*|\.\/analytics\.chdb)["']/);
      expect(code.match(/import\(["'][^"']*chdb[^"']*["']\)/g)).toEqual(['import("./analytics.chdb")']);
      for (const marker of ['libchdb', 'chdb_node', 'drainPending', '@chdb/']) expect(code, marker).not.toContain(marker);
      // The AWS SDK is the runtime's, not bundled.
      expect(sources.filter((s) => s.includes('node_modules/@aws-sdk/') || s.includes('node_modules/@smithy/'))).toEqual([]);
      expect(code).toMatch(/from\s*["']@aws-sdk\/client-secrets-manager["']/);

      // A cold start: the bundle imports with chdb nowhere to be found (only the SDK, which the runtime provides).
      const sdkOnly = path.join(dir, 'node_modules');
      mkdirSync(sdkOnly);
      for (const scope of ['@aws-sdk', '@smithy']) symlinkSync(path.join(repoRoot, 'node_modules', scope), path.join(sdkOnly, scope));
      const loaded = spawnSync(process.execPath, ['--input-type=module', '-e', `const m = await import(${JSON.stringify(pathToFileURL(bundle).href)}); console.log(typeof m.handler);`], { encoding: 'utf8', cwd: dir });
      expect(loaded.stderr).toBe('');
      expect(loaded.stdout.trim()).toBe('function');
    }),
  );
});

import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { App, Stack, Validations, type CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { roles } from '../domain/access/roles';
import { rules } from '../events/rules';
import { routeKey, routes } from '../functions/http/routes';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import { bindQueue, bindUserPool, CrmFunction, repoRoot, userPoolAdminActions } from './constructs/crm-function';
import { CrmQueue } from './constructs/crm-queue';
import { createCrmStacks, type CrmStacks } from './crm-stacks';
import { managesStaffAccounts } from './stacks/api';

// The same feature flags as `cdk synth`, so the templates under test are the deployed ones.
const cdkContext: Record<string, unknown> = JSON.parse(readFileSync(path.join(repoRoot, 'cdk.json'), 'utf8')).context;

/** Bundling skipped: the templates do not depend on it, and it is exercised once, at the end. */
const unbundledApp = () => new App({ context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] } });

const writeActions = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:BatchWriteItem', 'dynamodb:TransactWriteItems', 'dynamodb:*'];

type Resource = { Type: string; Properties: Record<string, any> };

const logicalId = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnResource);

/** Every IAM action granted to a function's role, across all the policies attached to it. */
function actionsOf(template: Template, fn: CrmFunction): string[] {
  const roleId = logicalId(fn.lambda.role!);
  const policies = Object.values(template.findResources('AWS::IAM::Policy')) as Resource[];
  return policies
    .filter((p) => (p.Properties.Roles as unknown[]).some((r) => JSON.stringify(r) === JSON.stringify({ Ref: roleId })))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as { Action: string | string[] }[])
    .flatMap((s) => [s.Action].flat());
}

/** The function's statements that mention any cognito-idp action, actions sorted. */
function cognitoStatements(template: Template, fn: CrmFunction): { Action: string[]; Effect: string; Resource: unknown }[] {
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
  let api: Template;

  beforeAll(() => {
    app = unbundledApp();
    stacks = createCrmStacks(app);
    data = Template.fromStack(stacks.data);
    events = Template.fromStack(stacks.events);
    api = Template.fromStack(stacks.api);
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
    const functions = api.findResources('AWS::Lambda::Function');
    for (const route of routes) {
      const env = functions[logicalId(stacks.api.functions.get(route.name)!.lambda)]?.Properties.Environment.Variables;
      if (route.method === 'GET') expect(env.IDEMPOTENCY_TABLE_NAME, route.name).toBeUndefined();
      else expect(env.IDEMPOTENCY_TABLE_NAME, route.name).toEqual({ 'Fn::ImportValue': expect.stringMatching(/^Crm-Data:/) });
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

  it('lets only the image routes sign media URLs: uploads PutObject, downloads GetObject, nothing else', () => {
    for (const route of routes) {
      const s3Actions = actionsOf(api, stacks.api.functions.get(route.name)!).filter((a) => a.startsWith('s3:'));
      expect(s3Actions, route.name).toEqual(route.media === 'write' ? ['s3:PutObject'] : route.media === 'read' ? ['s3:GetObject'] : []);
    }
    expect(routes.filter((r) => r.media).map((r) => `${r.method} ${r.path}`).sort()).toEqual(['GET /v1/clients/{id}/image', 'POST /v1/clients/{id}/image']);
  });

  it('runs every Lambda on nodejs24.x, arm64, 512 MB, with its own log group', () => {
    for (const template of [events, api]) {
      const functions = Object.values(template.findResources('AWS::Lambda::Function')) as Resource[];
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
    it('has one function and one route per entry of routes.ts (plus the Cognito trigger)', () => {
      api.resourceCountIs('AWS::Lambda::Function', routes.length + 1);
      const routeKeys = (Object.values(api.findResources('AWS::ApiGatewayV2::Route')) as Resource[]).map((r) => r.Properties.RouteKey);
      expect(routeKeys.sort()).toEqual(routes.map(routeKey).sort());
    });

    it('puts the Cognito JWT authorizer on every non-public route and none on public ones', () => {
      const authorizers = api.findResources('AWS::ApiGatewayV2::Authorizer', {
        Properties: { AuthorizerType: 'JWT', IdentitySource: ['$request.header.Authorization'] },
      });
      const [authorizerId] = Object.keys(authorizers);
      expect(authorizerId).toBeDefined();

      for (const route of routes) {
        const expected = route.public ? { AuthorizationType: 'NONE', AuthorizerId: Match.absent() } : { AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } };
        api.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: routeKey(route), ...expected });
      }
      api.hasResourceProperties('AWS::ApiGatewayV2::Route', { RouteKey: 'GET /health', AuthorizationType: 'NONE' });
    });

    it('checks the audience against the app client', () => {
      api.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        JwtConfiguration: { Audience: [{ Ref: logicalId(stacks.api.userPoolClient) }], Issuer: Match.anyValue() },
      });
    });

    it('gives every route function the Cognito settings, the table name and the cursor key', () => {
      const functions = api.findResources('AWS::Lambda::Function');
      for (const [name, fn] of stacks.api.functions) {
        expect(functions[logicalId(fn.lambda)]?.Properties.Environment.Variables, name).toMatchObject({
          AUTH_MODE: 'cognito',
          COGNITO_USER_POOL_ID: { Ref: logicalId(stacks.api.userPool) },
          COGNITO_CLIENT_ID: { Ref: logicalId(stacks.api.userPoolClient) },
          TABLE_NAME: { 'Fn::ImportValue': expect.stringMatching(/^Crm-Data:/) },
          CURSOR_SECRET: { 'Fn::Join': ['', expect.arrayContaining(['{{resolve:secretsmanager:', { Ref: expect.stringMatching(/^CursorSecret/) }])] },
          POWERTOOLS_LOG_LEVEL: 'INFO',
        });
      }
    });

    it('lets GET routes read the table but never write it', () => {
      for (const route of routes) {
        const actions = actionsOf(api, stacks.api.functions.get(route.name)!);
        expect(actions, route.name).toContain('dynamodb:GetItem');
        if (route.method === 'GET') expect(actions.filter((a) => writeActions.includes(a)), route.name).toEqual([]);
        else expect(actions, route.name).toEqual(expect.arrayContaining(['dynamodb:PutItem', 'dynamodb:UpdateItem']));
        expect(actions, route.name).not.toContain('dynamodb:Scan');
      }
    });

    it('logs every request as JSON and throttles the default stage', () => {
      api.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        AccessLogSettings: { DestinationArn: Match.anyValue(), Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"') },
        DefaultRouteSettings: { ThrottlingRateLimit: Match.anyValue(), ThrottlingBurstLimit: Match.anyValue() },
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

    it('attaches the pre-token-generation trigger as V2_0, invocable by this pool only, with no grant of its own', () => {
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
      // Its own log group, nothing else: no table, no pool, no bus.
      const actions = actionsOf(api, stacks.api.preTokenGeneration);
      expect(actions.length).toBeGreaterThan(0);
      expect(actions.filter((a) => !a.startsWith('logs:'))).toEqual([]);
      const env = (api.findResources('AWS::Lambda::Function')[logicalId(stacks.api.preTokenGeneration.lambda)] as Resource).Properties.Environment.Variables;
      expect(Object.keys(env).sort()).toEqual(['NODE_OPTIONS', 'POWERTOOLS_LOG_LEVEL']);
    });

    it('lets the routes that create and deactivate staff, and only them, administer users of this pool with exactly the admin actions', () => {
      const poolArn = { 'Fn::GetAtt': [logicalId(stacks.api.userPool), 'Arn'] };
      const staffRoutes = routes.filter(managesStaffAccounts);
      for (const route of routes) {
        const statements = cognitoStatements(api, stacks.api.functions.get(route.name)!);
        if (staffRoutes.includes(route)) expect(statements, route.name).toEqual([{ Action: [...userPoolAdminActions].sort(), Effect: 'Allow', Resource: poolArn }]);
        else expect(statements, route.name).toEqual([]);
      }
      // The Cognito trigger is no route, and it administers nothing either.
      expect(cognitoStatements(api, stacks.api.preTokenGeneration)).toEqual([]);
    });

    it('grants account administration to exactly POST /v1/staff and POST /v1/staff/{staffId}/deactivate', () => {
      expect(routes.filter(managesStaffAccounts).map(routeKey).sort()).toEqual(['POST /v1/staff', 'POST /v1/staff/{staffId}/deactivate']);
    });

    it('has one Cognito group per role', () => {
      const groups = (Object.values(api.findResources('AWS::Cognito::UserPoolGroup')) as Resource[]).map((g) => g.Properties.GroupName);
      expect(groups.sort()).toEqual([...roles].sort());
    });
  });

  describe('events', () => {
    it('routes each rule of rules.ts from the custom bus to its queue', () => {
      events.resourceCountIs('AWS::Events::EventBus', 1);
      // Today one rule: every crm.core event to the analytics loader.
      expect(rules.map((r) => r.name)).toEqual(['analytics-loader']);
      events.resourceCountIs('AWS::Events::Rule', 1);
      stacks.events.consumers.forEach((consumer) => {
        events.hasResourceProperties('AWS::Events::Rule', {
          EventBusName: { Ref: logicalId(stacks.events.bus) },
          EventPattern: { source: ['crm.core'] },
          Targets: [
            Match.objectLike({
              Arn: { 'Fn::GetAtt': [logicalId(consumer.queue), 'Arn'] },
              DeadLetterConfig: { Arn: { 'Fn::GetAtt': [logicalId(consumer.deadLetterQueue), 'Arn'] } },
            }),
          ],
        });
      });
    });

    it('gives each queue a DLQ after maxReceiveCount receives, TLS-only access and encryption', () => {
      stacks.events.consumers.forEach((consumer) => {
        events.hasResourceProperties('AWS::SQS::Queue', {
          RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [logicalId(consumer.deadLetterQueue), 'Arn'] }, maxReceiveCount: 5 },
          SqsManagedSseEnabled: true,
        });
      });
      const queues = Object.values(events.findResources('AWS::SQS::Queue')) as Resource[];
      for (const queue of queues) expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
      events.resourcePropertiesCountIs(
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
    });

    it('consumes each queue in batches, reporting partial batch failures', () => {
      stacks.events.consumers.forEach((consumer) => {
        events.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
          EventSourceArn: { 'Fn::GetAtt': [logicalId(consumer.queue), 'Arn'] },
          FunctionName: { Ref: logicalId(consumer.consumer.lambda) },
          BatchSize: 100,
          FunctionResponseTypes: ['ReportBatchItemFailures'],
        });
      });
    });

    it('publishes from the table stream with bounded retries, bisect and an on-failure queue', () => {
      events.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        FunctionName: { Ref: logicalId(stacks.events.publisher.lambda) },
        EventSourceArn: Match.anyValue(),
        StartingPosition: 'TRIM_HORIZON',
        BatchSize: 100,
        MaximumRetryAttempts: 5,
        BisectBatchOnFunctionError: true,
        MaximumBatchingWindowInSeconds: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [Match.stringLikeRegexp('^StreamPublisherDeadLetterQueue'), 'Arn'] } } },
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
      const actions = actionsOf(events, stacks.events.publisher);
      expect(actions).toContain('dynamodb:GetRecords');
      expect(actions.filter((a) => writeActions.includes(a) || a === 'dynamodb:GetItem')).toEqual([]);
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
    return { env, actions: actionsOf(template, fn), queueRef: { Ref: logicalId(queue) } };
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
  it('sets COGNITO_USER_POOL_ID and grants exactly the staff admin actions on that pool only', () => {
    const stack = new Stack(unbundledApp(), 'BindPool');
    const pool = new cognito.UserPool(stack, 'Pool');
    const fn = new CrmFunction(stack, 'Fn', { entry: routes[0]!.entry });
    bindUserPool(fn, pool);
    const template = Template.fromStack(stack);

    const env = (template.findResources('AWS::Lambda::Function')[logicalId(fn.lambda)] as Resource).Properties.Environment.Variables;
    expect(env.COGNITO_USER_POOL_ID).toEqual({ Ref: logicalId(pool) });
    // Sorted: the cdk.json feature flag minimizePolicies reorders actions within a statement.
    expect(cognitoStatements(template, fn)).toEqual([
      {
        Action: ['cognito-idp:AdminAddUserToGroup', 'cognito-idp:AdminCreateUser', 'cognito-idp:AdminDisableUser', 'cognito-idp:AdminGetUser', 'cognito-idp:AdminUserGlobalSignOut'],
        Effect: 'Allow',
        Resource: { 'Fn::GetAtt': [logicalId(pool), 'Arn'] },
      },
    ]);
    expect(actionsOf(template, fn).filter((a) => a.startsWith('cognito-idp:')).sort()).toEqual([...userPoolAdminActions].sort());
  });
});

describe('CrmFunction bundling', () => {
  it('bundles a handler with the local esbuild into one ESM file of at most 1 MB', () => {
    const outdir = mkdtempSync(path.join(tmpdir(), 'crm-bundle-'));
    try {
      const app = new App({ outdir });
      // A write route pulls in the most code (validation, phone numbers, the store).
      const route = routes.find((r) => r.method === 'POST') ?? routes[0]!;
      new CrmFunction(new Stack(app, 'Bundle'), 'Probe', { entry: route.entry });
      const assembly = app.synth();

      const assets = readdirSync(assembly.directory).filter((name) => name.startsWith('asset.'));
      expect(assets).toHaveLength(1);
      const bundle = path.join(assembly.directory, assets[0]!, 'index.mjs');
      const size = statSync(bundle).size;
      console.info(`${route.entry}: ${(size / 1024).toFixed(0)} KiB`);
      expect(size).toBeLessThanOrEqual(1024 * 1024);
      expect(readFileSync(bundle, 'utf8')).toMatch(/^import \{ createRequire \} from 'node:module';/);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  });
});

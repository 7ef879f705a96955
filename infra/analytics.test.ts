import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Duration, Stack, type CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { beforeAll, describe, expect, it } from 'vitest';
import { bindClickHouse, bindSecret, CrmFunction, repoRoot } from './constructs/crm-function';
import { rules } from '../events/rules';
import { migrations } from '../functions/lib/analytics/schema';
import { routes } from '../functions/http/routes';
import { createCrmStacks, type CrmStacks } from './crm-stacks';
import { AnalyticsStack } from './stacks/analytics';
import { DataStack } from './stacks/data';
import { EventsStack } from './stacks/events';

const cdkContext: Record<string, unknown> = JSON.parse(readFileSync(path.join(repoRoot, 'cdk.json'), 'utf8')).context;
const unbundledApp = () => new App({ context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] } });
const logicalId = (construct: IConstruct) => Stack.of(construct).getLogicalId(construct.node.defaultChild as CfnResource);

type Resource = { Type: string; Properties: Record<string, any>; DependsOn?: string[] };
type Statement = { Sid?: string; Action: string | string[]; Effect: string; Resource: unknown };

/** Every statement of every IAM policy in the template, with the roles it is attached to. */
const statementsOf = (template: Template) =>
  (Object.values(template.findResources('AWS::IAM::Policy')) as Resource[]).flatMap((p) =>
    (p.Properties.PolicyDocument.Statement as Statement[]).map((statement) => ({ roles: p.Properties.Roles as { Ref: string }[], statement })),
  );

describe('Crm-Analytics', () => {
  let stacks: CrmStacks;
  let analytics: Template;
  let templates: Template[];
  let secretId: string;
  let loaderId: string;
  let migratorId: string;

  beforeAll(() => {
    stacks = createCrmStacks(unbundledApp());
    analytics = Template.fromStack(stacks.analytics);
    templates = [stacks.data, stacks.events, stacks.analytics, stacks.api, ...stacks.apiRoutes.values(), stacks.schedules].map((s) => Template.fromStack(s));
    secretId = logicalId(stacks.analytics.credentials);
    loaderId = logicalId(stacks.analytics.loader.consumer.lambda);
    migratorId = logicalId(stacks.analytics.migrator.lambda);
  });

  const fn = (id: string) => analytics.findResources('AWS::Lambda::Function')[id] as Resource;

  describe('the ClickHouse endpoint', () => {
    it('is two parameters: an https URL (empty until set) and a database defaulting to crm', () => {
      analytics.hasParameter('ClickHouseUrl', {
        Type: 'String',
        Default: '',
        AllowedPattern: '^(https://[^\\s/?#@]+(/[^\\s?#@]*)?)?$',
        ConstraintDescription: Match.stringLikeRegexp('https://'),
      });
      analytics.hasParameter('ClickHouseDatabase', { Type: 'String', Default: 'crm', AllowedPattern: '^[A-Za-z_][A-Za-z0-9_]{0,62}$' });
      analytics.hasCondition('ClickHouseConfigured', { 'Fn::Not': [{ 'Fn::Equals': [{ Ref: 'ClickHouseUrl' }, ''] }] });
    });

    it.each([
      ['https://abc123.ap-south-1.aws.clickhouse.cloud:8443', true],
      ['https://clickhouse.internal.example.com', true],
      ['https://proxy.example.com/clickhouse', true],
      ['', true],
      ['http://abc123.ap-south-1.aws.clickhouse.cloud:8123', false],
      ['https://crm_loader:secret@abc123.clickhouse.cloud:8443', false],
      ['https://abc123.clickhouse.cloud:8443/?database=crm', false],
      ['https://abc123.clickhouse.cloud:8443?password=x', false],
      ['abc123.clickhouse.cloud:8443', false],
      ['https://', false],
      ['https://host name', false],
    ])('the URL pattern takes %j: %s', (url, accepted) => {
      const pattern = (analytics.toJSON().Parameters.ClickHouseUrl as { AllowedPattern: string }).AllowedPattern;
      expect(new RegExp(pattern).test(url)).toBe(accepted);
    });

    it('keeps the login in a secret the stack creates: JSON {username, password}, password generated', () => {
      analytics.resourceCountIs('AWS::SecretsManager::Secret', 1);
      analytics.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: { SecretStringTemplate: '{"username":"crm_loader"}', GenerateStringKey: 'password', PasswordLength: 32, ExcludePunctuation: true },
        SecretString: Match.absent(),
      });
      analytics.hasOutput('ClickHouseCredentialsSecret', { Value: { Ref: secretId } });
    });
  });

  describe('the loader and the migration function', () => {
    it.each([
      ['loader', () => loaderId, 30, '20000'],
      ['migration function', () => migratorId, 300, '60000'],
    ])('the %s gets the endpoint and the secret’s ARN, and a request timeout below its own', (_, id, timeout, requestTimeoutMs) => {
      const { Properties } = fn(id());
      expect(Properties.Timeout).toBe(timeout);
      expect(Properties.Environment.Variables).toEqual({
        POWERTOOLS_LOG_LEVEL: 'INFO',
        POWERTOOLS_SERVICE_NAME: 'crm-analytics',
        POWERTOOLS_METRICS_NAMESPACE: 'Crm',
        NODE_OPTIONS: '--enable-source-maps',
        CLICKHOUSE_URL: { Ref: 'ClickHouseUrl' },
        CLICKHOUSE_DATABASE: { Ref: 'ClickHouseDatabase' },
        CLICKHOUSE_SECRET_ARN: { Ref: secretId },
        CLICKHOUSE_REQUEST_TIMEOUT_MS: requestTimeoutMs,
      });
    });

    it('puts no credential in any function’s environment, in any stack', () => {
      for (const template of templates) {
        for (const [id, f] of Object.entries(template.findResources('AWS::Lambda::Function')) as [string, Resource][]) {
          const variables = (f.Properties.Environment?.Variables ?? {}) as Record<string, unknown>;
          expect(Object.keys(variables).filter((k) => /PASSWORD|CLICKHOUSE_USER/.test(k)), id).toEqual([]);
          expect(JSON.stringify(variables), id).not.toMatch(/resolve:secretsmanager:[^}]*ClickHouseCredentials/);
        }
      }
    });

    it('lets exactly the loader, the migration function and the API routes that read facts read the secret: GetSecretValue on its ARN, nothing more', () => {
      const readers = [analytics, Template.fromStack(stacks.events), Template.fromStack(stacks.data)].flatMap((template) =>
        statementsOf(template).filter(({ statement }) => JSON.stringify(statement).includes(secretId) || [statement.Action].flat().some((a) => a.startsWith('secretsmanager:'))),
      );
      expect(new Set(readers.map(({ roles }) => JSON.stringify(roles)))).toEqual(
        new Set([JSON.stringify([{ Ref: logicalId(stacks.analytics.migrator.lambda.role!) }]), JSON.stringify([{ Ref: logicalId(stacks.analytics.loader.consumer.lambda.role!) }])]),
      );
      for (const { statement } of readers) expect(statement).toEqual({ Sid: 'ReadClickhouseSecret', Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: { Ref: secretId } });
      // In the API's route stacks: the functions of the routes marked `analytics` in the manifest,
      // and only they, read the secret whose ARN the analytics stack publishes in SSM (resolved on
      // deploy, no export).
      const analyticsRoutes = new Set(routes.filter((r) => r.analytics).map((r) => r.name));
      expect(analyticsRoutes.size).toBeGreaterThan(0);
      for (const [name, fn] of stacks.routeFunctions) {
        const template = Template.fromStack(Stack.of(fn));
        const arnParameter = Object.entries((template.toJSON().Parameters ?? {}) as Record<string, { Default?: string }>).find(([, p]) => p.Default === stacks.analytics.endpointParameters.credentialsArn)?.[0];
        const reads = statementsOf(template)
          .filter(({ roles }) => JSON.stringify(roles) === JSON.stringify([{ Ref: logicalId(fn.lambda.role!) }]))
          .map(({ statement }) => statement)
          .filter((st) => st.Sid === 'ReadClickhouseSecret' || JSON.stringify(st).includes(arnParameter ?? '<none>'));
        if (analyticsRoutes.has(name)) expect(reads, name).toEqual([{ Sid: 'ReadClickhouseSecret', Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: { Ref: arnParameter } }]);
        else expect(reads, name).toEqual([]);
      }
      // No resource policy opens it to anyone else.
      analytics.resourceCountIs('AWS::SecretsManager::ResourcePolicy', 0);
    });

    it('gives the loader the queue, its log group, its traces and the secret, and nothing else', () => {
      const roleId = logicalId(stacks.analytics.loader.consumer.lambda.role!);
      const actions = statementsOf(analytics)
        .filter(({ roles }) => roles.some((r) => r.Ref === roleId))
        .flatMap(({ statement }) => [statement.Action].flat())
        .sort();
      expect(actions).toEqual([
        'logs:CreateLogStream',
        'logs:PutLogEvents',
        'secretsmanager:GetSecretValue',
        'sqs:ChangeMessageVisibility',
        'sqs:DeleteMessage',
        'sqs:GetQueueAttributes',
        'sqs:GetQueueUrl',
        'sqs:ReceiveMessage',
        'xray:PutTelemetryRecords',
        'xray:PutTraceSegments',
      ]);
    });
  });

  describe('the queue mapping', () => {
    it('consumes at most 5 batches of 100 at a time, reporting partial failures, only once an endpoint is set', () => {
      analytics.resourceCountIs('AWS::Lambda::EventSourceMapping', 1);
      analytics.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
        EventSourceArn: { 'Fn::GetAtt': [logicalId(stacks.analytics.loader.queue), 'Arn'] },
        FunctionName: { Ref: loaderId },
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 1,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        ScalingConfig: { MaximumConcurrency: 5 },
        Enabled: { 'Fn::If': ['ClickHouseConfigured', true, false] },
      });
    });
  });

  describe('the schema (migrations on deploy)', () => {
    /** Crm-Analytics alone, tracking the given migrations. */
    const schemaWith = (versions: number[]) => {
      const app = unbundledApp();
      const events = new EventsStack(app, 'Crm-Events', { table: new DataStack(app, 'Crm-Data').table, rules: [] });
      const stack = new AnalyticsStack(app, 'Crm-Analytics', {
        bus: events.bus,
        loaderRule: rules.find((r) => r.name === 'analytics-loader')!,
        migrations: versions.map((version) => ({ version, name: `migration ${version}`, statements: [] })),
      });
      return Object.values(Template.fromStack(stack).findResources('Custom::ClickHouseSchema'))[0] as Resource;
    };

    it('is a custom resource whose properties are the migration versions and the endpoint', () => {
      expect(schemaWith([1])).toEqual({
        Type: 'Custom::ClickHouseSchema',
        Properties: {
          ServiceToken: { 'Fn::GetAtt': [expect.stringMatching(/^SchemaProviderframeworkonEvent/), 'Arn'] },
          Migrations: ['1'],
          Url: { Ref: 'ClickHouseUrl' },
          Database: { Ref: 'ClickHouseDatabase' },
        },
        // Delete is a no-op in the handler: the tables outlive the stack.
        UpdateReplacePolicy: 'Delete',
        DeletionPolicy: 'Delete',
      });
    });

    it('changes its properties when a migration is added, so CloudFormation sends an Update', () => {
      expect(schemaWith([1, 2]).Properties.Migrations).toEqual(['1', '2']);
      expect(schemaWith([1, 2, 3]).Properties.Migrations).toEqual(['1', '2', '3']);
    });

    it('tracks the migrations of functions/lib/analytics/schema.ts in the app', () => {
      analytics.resourceCountIs('Custom::ClickHouseSchema', 1);
      const [schema] = Object.values(analytics.findResources('Custom::ClickHouseSchema')) as Resource[];
      expect(schema!.Properties.Migrations).toEqual(migrations.map((m) => String(m.version)));
      expect(schema!.Properties.Migrations[0]).toBe('1');
    });

    it('runs the migration function through CDK’s provider framework, which may invoke that function only', () => {
      const [frameworkId, framework] = Object.entries(analytics.findResources('AWS::Lambda::Function', { Properties: { Handler: 'framework.onEvent' } }))[0] as [string, Resource];
      expect(framework.Properties.Environment.Variables).toEqual({ USER_ON_EVENT_FUNCTION_ARN: { 'Fn::GetAtt': [migratorId, 'Arn'] } });
      expect(framework.Properties.Runtime).toBe('nodejs24.x');
      expect(framework.Properties.LoggingConfig.LogGroup).toEqual({ Ref: expect.stringMatching(/^SchemaProviderLogs/) });
      const roleId = (framework.Properties.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const statements = statementsOf(analytics).filter(({ roles }) => roles.some((r) => r.Ref === roleId)).map(({ statement }) => statement);
      expect(statements).toEqual([
        { Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Effect: 'Allow', Resource: { 'Fn::GetAtt': [expect.stringMatching(/^SchemaProviderLogs/), 'Arn'] } },
        {
          Action: 'lambda:InvokeFunction',
          Effect: 'Allow',
          Resource: [{ 'Fn::GetAtt': [migratorId, 'Arn'] }, { 'Fn::Join': ['', [{ 'Fn::GetAtt': [migratorId, 'Arn'] }, ':*']] }],
        },
        { Action: 'lambda:GetFunction', Effect: 'Allow', Resource: { 'Fn::GetAtt': [migratorId, 'Arn'] } },
      ]);
      // Its role carries no managed policy (AWSLambdaBasicExecutionRole would reach every log group).
      analytics.resourcePropertiesCountIs('AWS::IAM::Role', { ManagedPolicyArns: Match.anyValue() }, 0);
      expect(frameworkId).toMatch(/^SchemaProviderframeworkonEvent/);
    });

    it('comes before the loader: its function and its mapping depend on the schema', () => {
      expect(fn(loaderId).DependsOn).toEqual(expect.arrayContaining(['ClickHouseSchema']));
      const [mapping] = Object.values(analytics.findResources('AWS::Lambda::EventSourceMapping')) as Resource[];
      expect(mapping!.DependsOn).toEqual(['ClickHouseSchema']);
      // …and the schema does not wait for the loader (no cycle).
      const schema = Object.values(analytics.findResources('Custom::ClickHouseSchema'))[0] as Resource;
      expect(JSON.stringify(schema)).not.toContain(loaderId);
      expect(JSON.stringify(schema)).not.toContain(logicalId(stacks.analytics.loader.queue));
    });

    it('gives the migration function the 512 MB arm64 Node 24 defaults and a five-minute timeout', () => {
      expect(fn(migratorId).Properties).toMatchObject({ Runtime: 'nodejs24.x', Architectures: ['arm64'], MemorySize: 512, Timeout: 300, Handler: 'index.handler' });
    });
  });

  it('has no cdk-nag (AWS Solutions) finding that is neither fixed nor acknowledged', () => {
    const report = new AwsSolutionsChecks().validateScope(stacks.analytics);
    expect(report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`))).toEqual([]);
  });

  describe('cross-stack references', () => {
    it('imports only the bus name from Crm-Events, and Crm-Events imports nothing from Crm-Analytics', () => {
      const imports = JSON.stringify(analytics.toJSON()).match(/"Fn::ImportValue":"[^"]+"/g);
      expect(imports).toEqual(['"Fn::ImportValue":"Crm-Events-dev:ExportsOutputRefBusEA82B6486A28F94F"']);
      for (const template of templates) expect(JSON.stringify(template.toJSON())).not.toMatch(/"Fn::ImportValue":"Crm-Analytics-dev:/);
      expect(analytics.toJSON().Outputs.ClickHouseCredentialsSecret.Export).toBeUndefined();
      expect(stacks.analytics.dependencies.map((s) => s.stackName)).toEqual(['Crm-Events-dev']);
      expect(stacks.events.dependencies.map((s) => s.stackName)).toEqual(['Crm-Data-dev']);
    });
  });
});

describe('bindSecret and bindClickHouse', () => {
  const setup = () => {
    const stack = new Stack(unbundledApp(), 'Bind');
    const fn = new CrmFunction(stack, 'Fn', { entry: 'functions/queues/analytics-loader.ts', timeout: Duration.seconds(30) });
    return { stack, fn };
  };

  it('bindSecret: the ARN in the named variable, GetSecretValue on that ARN, kms:Decrypt when the secret has its own key', () => {
    const { stack, fn } = setup();
    const key = new kms.Key(stack, 'Key', { enableKeyRotation: true });
    const secret = new secretsmanager.Secret(stack, 'Secret', { encryptionKey: key });
    bindSecret(fn, secret, 'SOME_SECRET_ARN');
    const template = Template.fromStack(stack);
    const variables = (template.findResources('AWS::Lambda::Function')[logicalId(fn.lambda)] as Resource).Properties.Environment.Variables;
    expect(variables.SOME_SECRET_ARN).toEqual({ Ref: logicalId(secret) });
    const statements = statementsOf(template).map(({ statement }) => statement);
    expect(statements).toContainEqual({ Sid: 'ReadSomeSecret', Action: 'secretsmanager:GetSecretValue', Effect: 'Allow', Resource: { Ref: logicalId(secret) } });
    expect(statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('kms:')))).toEqual([
      { Action: 'kms:Decrypt', Effect: 'Allow', Resource: { 'Fn::GetAtt': [logicalId(key), 'Arn'] } },
    ]);
  });

  it('bindClickHouse refuses a request timeout that is not shorter than the function’s', () => {
    const { stack, fn } = setup();
    const endpoint = { url: 'https://ch.example.com:8443', database: 'crm', credentials: new secretsmanager.Secret(stack, 'Secret') };
    expect(() => bindClickHouse(fn, endpoint, Duration.seconds(30))).toThrow('Bind/Fn: the ClickHouse request timeout (30 seconds) must be shorter than the function\'s (30 seconds)');
    expect(() => bindClickHouse(fn, endpoint, Duration.seconds(29))).not.toThrow();
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import { repoRoot } from './constructs/crm-function';
import { createCrmStacks } from './crm-stacks';
import { prodContext } from './stage.fixtures';

const cdkContext: Record<string, unknown> = JSON.parse(readFileSync(path.join(repoRoot, 'cdk.json'), 'utf8')).context;
const appWith = (context: Record<string, unknown>) => new App({ context: { ...cdkContext, 'aws:cdk:bundling-stacks': [], ...context } });
const stacksOf = (app: App) => app.node.children.filter((c): c is Stack => c instanceof Stack);

type Resource = { Type: string; Properties: Record<string, any>; DeletionPolicy?: string };


describe('stages (#11 item 4)', () => {
  it('is dev by default: every stack named <id>-dev, no termination protection, logs removed with their stack after a month', () => {
    const app = appWith({});
    const crm = createCrmStacks(app);
    expect(crm.stage).toMatchObject({ name: 'dev', production: false, env: undefined });
    const stacks = stacksOf(app);
    expect(stacks.map((s) => s.stackName)).toEqual([
      'Crm-Data-dev',
      'Crm-Events-dev',
      'Crm-Analytics-dev',
      'Crm-Api-dev',
      'Crm-Api-Meta-dev',
      'Crm-Api-Clients-dev',
      'Crm-Api-Opportunities-dev',
      'Crm-Api-Events-dev',
      'Crm-Api-Config-dev',
      'Crm-Api-Staff-dev',
      'Crm-Api-Insights-dev',
      'Crm-Api-Work-dev',
      'Crm-Api-Data-dev',
      'Crm-Api-Integrations-dev',
      'Crm-Api-Inbox-dev',
      'Crm-Api-Webhooks-dev',
      'Crm-Api-Reports-dev',
      'Crm-Api-Stage-dev',
      'Crm-Schedules-dev',
      'Crm-Mail-dev',
      'Crm-Monitoring-dev',
    ]);
    for (const s of stacks) expect(s.terminationProtection, s.stackName).toBe(false);
    const logs = Object.values(Template.fromStack(crm.apiRoutes.get('Clients')!).findResources('AWS::Logs::LogGroup')) as Resource[];
    // One per route of the group (18 with #14's), and the mail-feedback consumer's.
    expect(logs.length).toBe(19);
    for (const l of logs) expect([l.Properties.RetentionInDays, l.DeletionPolicy]).toEqual([30, 'Delete']);
    // The first synth in a worker loads CDK's modules (~10 s alone, three times that on a loaded machine).
  }, 120_000);

  it('tags every resource with app, stage, owner and cost centre, from cdk.json or the command line', () => {
    const app = appWith({ owner: 'platform-team', costCentre: 'cc-4711' });
    const crm = createCrmStacks(app);
    const table = Object.values(Template.fromStack(crm.data).findResources('AWS::DynamoDB::Table'))[0] as Resource;
    expect(table.Properties.Tags).toEqual([
      { Key: 'app', Value: 'crm' },
      { Key: 'cost-centre', Value: 'cc-4711' },
      { Key: 'owner', Value: 'platform-team' },
      { Key: 'stage', Value: 'dev' },
    ]);
  });

  it('deploys prod to the account and region it names, protected from termination, its logs and backups kept', () => {
    const app = appWith(prodContext);
    const crm = createCrmStacks(app);
    const stacks = stacksOf(app);
    // Dev's 21 (above) and Crm-Edge.
    expect(stacks).toHaveLength(22);
    for (const s of stacks) {
      expect(s.stackName, s.node.id).toBe(`${s.node.id}-prod`);
      // CloudFront's certificate and web ACL live in us-east-1: Crm-Edge alone is there.
      expect([s.account, s.region, s.terminationProtection], s.stackName).toEqual(['123456789012', s.node.id === 'Crm-Edge' ? 'us-east-1' : 'ap-south-1', true]);
    }
    const logs = Object.values(Template.fromStack(crm.apiRoutes.get('Clients')!).findResources('AWS::Logs::LogGroup')) as Resource[];
    // One per route of the group (18 with #14's), and the mail-feedback consumer's.
    expect(logs.length).toBe(19);
    for (const l of logs) expect([l.Properties.RetentionInDays, l.DeletionPolicy]).toEqual([90, 'Retain']);
    // Integrations (#13): its 15 routes' and the inbound worker's.
    const inboundLogs = Object.values(Template.fromStack(crm.apiRoutes.get('Integrations')!).findResources('AWS::Logs::LogGroup')) as Resource[];
    expect(inboundLogs.map((l) => [l.Properties.RetentionInDays, l.DeletionPolicy])).toEqual(Array.from({ length: 16 }, () => [90, 'Retain']));
    const access = Object.values(Template.fromStack(crm.apiStage).findResources('AWS::Logs::LogGroup')) as Resource[];
    expect(access.map((l) => [l.Properties.RetentionInDays, l.DeletionPolicy])).toEqual([[365, 'Retain']]);
    Template.fromStack(crm.data).hasResourceProperties('AWS::Backup::BackupVault', { LockConfiguration: { MinRetentionDays: 35 } });
    // The data itself is kept in every stage (the table, the buckets, the user pool): see stacks.test.ts.
    expect(Template.fromStack(crm.data).findResources('AWS::DynamoDB::Table', { DeletionPolicy: 'Retain' })).not.toEqual({});
    // With the account and region written into the ARNs, every acknowledgement still names its finding.
    const report = new AwsSolutionsChecks().validateScope(app);
    expect(report.violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`))).toEqual([]);
  });

  it('refuses staging or prod without an explicit account and region, and a stage it does not know', () => {
    expect(() => createCrmStacks(appWith({ stage: 'staging' }))).toThrow(
      'stage staging needs an explicit account and region: set stages.staging.account and .region in cdk.json, or pass -c account=… -c region=…',
    );
    expect(() => createCrmStacks(appWith({ stage: 'prod', region: 'ap-south-1' }))).toThrow(/stage prod needs an explicit account and region/);
    expect(() => createCrmStacks(appWith({ stage: 'qa' }))).toThrow('-c stage=qa: the stage is one of dev, staging, prod');
    expect(() => createCrmStacks(appWith({ stage: 'prod', account: '1234', region: 'ap-south-1' }))).toThrow('account 1234: an AWS account id is 12 digits');
    expect(() => createCrmStacks(appWith({ ...prodContext, mailFrom: '' }))).toThrow(
      'stage prod needs mailFrom, a verified SES identity to send invitations and reports from: set stages.prod.mailFrom in cdk.json, or pass -c mailFrom=…',
    );
    expect(() => createCrmStacks(appWith({ ...prodContext, allowedOrigins: '' }))).toThrow(
      "stage prod needs allowedOrigins, the web apps' origins (https://…): set stages.prod.allowedOrigins in cdk.json, or pass -c allowedOrigins=https://a,https://b",
    );
    expect(() => createCrmStacks(appWith({ ...prodContext, allowedOrigins: 'https://*.example.com' }))).toThrow(
      'allowed origin https://*.example.com: an origin is https://host[:port] (http://localhost only in dev), without a path or a wildcard',
    );
    expect(() => createCrmStacks(appWith({ ...prodContext, allowedOrigins: 'http://localhost:3000' }))).toThrow(/allowed origin http:\/\/localhost:3000/);
    expect(() => createCrmStacks(appWith({ ...prodContext, domainName: '' }))).toThrow('stage prod needs domainName, hostedZoneId and hostedZoneName: the API is served from its own domain behind CloudFront and WAF');
    expect(() => createCrmStacks(appWith({ ...prodContext, domainName: 'api.other.example' }))).toThrow('domainName api.other.example is not in the zone crm.example.com');
  });

  it('reads a stage’s settings from cdk.json’s `stages` context', () => {
    // SES receives no mail in ap-south-2: the stage says so (synth refuses receipt rules there).
    const app = appWith({ stage: 'staging', stages: { staging: { account: '210987654321', region: 'ap-south-2', owner: 'crm-staging', alarmEmail: 'oncall@example.com', mailFrom: 'crm@staging.example.com', inboundMail: false, allowedOrigins: ['https://staging.crm.example.com'] } } });
    const crm = createCrmStacks(app);
    expect(crm.stage).toEqual({
      name: 'staging',
      env: { account: '210987654321', region: 'ap-south-2' },
      owner: 'crm-staging',
      costCentre: 'crm',
      alarmEmail: 'oncall@example.com',
      mailFrom: 'crm@staging.example.com',
      // Replies arrive at reply. and the sending domain, unless the stage names another (#14).
      replyDomain: 'reply.staging.example.com',
      inboundMail: false,
      allowedOrigins: ['https://staging.crm.example.com'],
      domain: undefined,
      production: false,
    });
    expect(crm.mail).toBeUndefined();
    expect(stacksOf(app).map((s) => s.node.id)).not.toContain('Crm-Mail');
    const named = createCrmStacks(appWith({ stage: 'staging', stages: { staging: { account: '210987654321', region: 'ap-south-1', mailFrom: 'crm@staging.example.com', replyDomain: 'Replies.Example.com', allowedOrigins: ['https://staging.crm.example.com'] } } }));
    expect([named.stage.replyDomain, named.stage.inboundMail, named.mail?.stackName]).toEqual(['replies.example.com', true, 'Crm-Mail-staging']);
    // No domain: no edge stack, and the execute-api endpoint stays on.
    expect(crm.edge).toBeUndefined();
    Template.fromStack(crm.api).hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: false });
    Template.fromStack(crm.monitoring).hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com' });
  });
});

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, type CfnResource } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from './constructs/crm-function';
import { createCrmStacks, type CrmStacks } from './crm-stacks';
import { prodContext } from './stage.fixtures';

const cdkContext: Record<string, unknown> = JSON.parse(readFileSync(path.join(repoRoot, 'cdk.json'), 'utf8')).context;
type Resource = { Type: string; Properties: Record<string, any> };

describe('the edge (#11 item 3)', () => {
  let prod: CrmStacks;
  let edge: Template;

  beforeAll(() => {
    prod = createCrmStacks(new App({ context: { ...cdkContext, 'aws:cdk:bundling-stacks': [], ...prodContext } }));
    edge = Template.fromStack(prod.edge!);
  });

  it('puts a WAF web ACL in front: a per-client rate rule, then AWS’s IP reputation, common and known-bad-input rule groups', () => {
    const acls = Object.values(edge.findResources('AWS::WAFv2::WebACL')) as Resource[];
    expect(acls).toHaveLength(1);
    const acl = acls[0]!.Properties;
    expect([acl.Scope, acl.DefaultAction]).toEqual(['CLOUDFRONT', { Allow: {} }]);
    expect((acl.Rules as Resource['Properties'][]).map((r) => [r.Priority, r.Name, r.Action ?? r.OverrideAction])).toEqual([
      [0, 'RatePerClient', { Block: {} }],
      [1, 'AWSManagedRulesAmazonIpReputationList', { None: {} }],
      [2, 'AWSManagedRulesCommonRuleSet', { None: {} }],
      [3, 'AWSManagedRulesKnownBadInputsRuleSet', { None: {} }],
    ]);
    expect(acl.Rules[0].Statement).toEqual({ RateBasedStatement: { Limit: 2000, AggregateKeyType: 'IP', EvaluationWindowSec: 300 } });
    // The API accepts 64 KB bodies (and answers 413 beyond): the common set's 8 KB body rule only counts.
    expect(acl.Rules[2].Statement.ManagedRuleGroupStatement).toEqual({
      VendorName: 'AWS',
      Name: 'AWSManagedRulesCommonRuleSet',
      RuleActionOverrides: [{ Name: 'SizeRestrictions_BODY', ActionToUse: { Count: {} } }],
    });
  });

  it('serves the API’s domain from CloudFront with that web ACL, caching nothing, HTTPS only, to the regional origin', () => {
    const dists = Object.values(edge.findResources('AWS::CloudFront::Distribution')) as Resource[];
    expect(dists).toHaveLength(1);
    const d = dists[0]!.Properties.DistributionConfig;
    expect(d.Aliases).toEqual(['api.crm.example.com']);
    expect(d.WebACLId).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^WebAcl/), 'Arn'] });
    expect(d.ViewerCertificate).toMatchObject({ MinimumProtocolVersion: 'TLSv1.2_2021', SslSupportMethod: 'sni-only' });
    expect(d.PriceClass).toBe('PriceClass_200');
    expect(d.Origins).toEqual([
      expect.objectContaining({ DomainName: 'origin.api.crm.example.com', CustomOriginConfig: expect.objectContaining({ OriginProtocolPolicy: 'https-only', OriginSSLProtocols: ['TLSv1.2'] }) }),
    ]);
    expect(d.DefaultCacheBehavior).toMatchObject({
      ViewerProtocolPolicy: 'https-only',
      AllowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'POST', 'DELETE'],
      // AWS's managed policies: CachingDisabled, AllViewerExceptHostHeader.
      CachePolicyId: '4135ea2d-6df8-44a3-9df3-4b5a84be39ad',
      OriginRequestPolicyId: 'b689b0a8-53d0-40ab-baf2-68738e2966ac',
    });
    expect(d.Logging).toMatchObject({ Prefix: 'api/' });
    edge.resourceCountIs('AWS::CertificateManager::Certificate', 1);
    edge.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: 'api.crm.example.com', ValidationMethod: 'DNS' });
    for (const type of ['A', 'AAAA']) edge.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'api.crm.example.com.', Type: type, HostedZoneId: 'Z0123456789ABCDEFGHIJ' });
  });

  it('maps the stage to origin.<domain> with its own certificate, and switches the execute-api endpoint off', () => {
    const stage = Template.fromStack(prod.apiStage);
    stage.hasResourceProperties('AWS::ApiGatewayV2::DomainName', { DomainName: 'origin.api.crm.example.com', DomainNameConfigurations: [Match.objectLike({ EndpointType: 'REGIONAL', SecurityPolicy: 'TLS_1_2' })] });
    stage.hasResourceProperties('AWS::CertificateManager::Certificate', { DomainName: 'origin.api.crm.example.com', ValidationMethod: 'DNS' });
    stage.resourceCountIs('AWS::ApiGatewayV2::ApiMapping', 1);
    stage.hasResourceProperties('AWS::Route53::RecordSet', { Name: 'origin.api.crm.example.com.', Type: 'A' });
    stage.hasOutput('ApiUrl', { Value: 'https://api.crm.example.com' });
    Template.fromStack(prod.api).hasResourceProperties('AWS::ApiGatewayV2::Api', { DisableExecuteApiEndpoint: true });
  });

  it('gives connections hook URLs on the API’s domain (behind CloudFront and WAF), and forms the forms API’s own endpoint (#13)', () => {
    const integrations = prod.apiRoutes.get('Integrations')!;
    const template = Template.fromStack(integrations);
    const formsApi = integrations.formsApi!;
    const formsApiId = integrations.getLogicalId(formsApi.node.defaultChild as CfnResource);
    const envOf = (name: string) => {
      const fn = prod.routeFunctions.get(name)!;
      return (template.findResources('AWS::Lambda::Function')[integrations.getLogicalId(fn.lambda.node.defaultChild as CfnResource)] as Resource).Properties.Environment.Variables;
    };
    for (const name of ['CreateConnection', 'GetConnection', 'RotateConnectionSecret', 'SubmitForm']) {
      expect([envOf(name).PUBLIC_BASE_URL, envOf(name).FORMS_BASE_URL], name).toEqual(['https://api.crm.example.com', { 'Fn::GetAtt': [formsApiId, 'ApiEndpoint'] }]);
    }
    // The forms API is reached at its execute-api endpoint: it stays on, and answers CORS itself (none at the API).
    const apis = Object.values(template.findResources('AWS::ApiGatewayV2::Api')) as Resource[];
    expect(apis).toHaveLength(1);
    expect(apis[0]!.Properties.DisableExecuteApiEndpoint).toBeUndefined();
    expect(apis[0]!.Properties.CorsConfiguration).toBeUndefined();
  });

  it('allows CORS from the stage’s web apps only, on the API and on the media bucket (no `*`)', () => {
    Template.fromStack(prod.api).hasResourceProperties('AWS::ApiGatewayV2::Api', {
      CorsConfiguration: {
        AllowOrigins: ['https://app.crm.example.com', 'https://admin.crm.example.com'],
        AllowMethods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'],
        AllowHeaders: ['authorization', 'content-type', 'if-match', 'idempotency-key'],
        ExposeHeaders: ['etag', 'retry-after', 'x-request-id', 'idempotent-replayed'],
        MaxAge: 3600,
      },
    });
    const buckets = Object.values(Template.fromStack(prod.data).findResources('AWS::S3::Bucket')) as Resource[];
    const cors = buckets.flatMap((b) => b.Properties.CorsConfiguration?.CorsRules ?? []);
    expect(cors).toEqual([
      { AllowedHeaders: ['content-type', 'content-length'], AllowedMethods: ['PUT', 'GET'], AllowedOrigins: ['https://app.crm.example.com', 'https://admin.crm.example.com'], MaxAge: 3600 },
    ]);
    // Dev: the local web apps' origins.
    const dev = createCrmStacks(new App({ context: { ...cdkContext, 'aws:cdk:bundling-stacks': [] } }));
    Template.fromStack(dev.api).hasResourceProperties('AWS::ApiGatewayV2::Api', { CorsConfiguration: Match.objectLike({ AllowOrigins: ['http://localhost:3000', 'http://localhost:5173'] }) });
    expect(dev.edge).toBeUndefined();
  });
});

import type { Environment } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

export const stageNames = ['dev', 'staging', 'prod'] as const;
export type StageName = (typeof stageNames)[number];

/** What a stage is deployed as (README "Deploying a stage"). */
export interface Stage {
  readonly name: StageName;
  /** Account and region, written down for staging and prod; dev may leave them to the CLI's profile. */
  readonly env: Environment | undefined;
  readonly owner: string;
  readonly costCentre: string;
  readonly alarmEmail: string | undefined;
  /**
   * The verified SES identity (an address of a verified domain) that sends Cognito's invitations
   * and verification codes and the nightly email. Required in staging and prod: Cognito's own
   * sender allows about 50 emails a day. Dev without one uses Cognito's sender.
   */
  readonly mailFrom: string | undefined;
  /**
   * Where replies to clients arrive (#14): thread addresses `reply+…@` and the tenants' inboxes
   * `inbox+{tenant}@` this domain; SES receives mail for it (Crm-Mail), so its MX record must point
   * to SES's inbound endpoint of the stage's region. Default: `reply.` and mailFrom's domain
   * (`reply.crm.example` without one).
   */
  readonly replyDomain: string;
  /**
   * Whether the stage receives email (Crm-Mail, #14): SES receives mail in some regions only, and
   * synth refuses receipt rules where it does not (CloudFormation-Validate) — such a stage says
   * `inboundMail: false` and its clients' replies are not received. Default true.
   */
  readonly inboundMail: boolean;
  /** The web apps' origins: the API's and the media bucket's CORS allow these and no other. */
  readonly allowedOrigins: readonly string[];
  /**
   * The API's own hostname behind CloudFront and WAF (Crm-Edge), with the Route 53 zone it lives
   * in. Required in prod; without it (dev, and staging if it names none) the API is reached at
   * its execute-api endpoint, with no WAF.
   */
  readonly domain: { name: string; hostedZoneId: string; hostedZoneName: string } | undefined;
  /** Production: termination protection, retained log groups, a locked backup vault. */
  readonly production: boolean;
}

interface StageSettings {
  account?: string;
  region?: string;
  owner?: string;
  costCentre?: string;
  alarmEmail?: string;
  mailFrom?: string;
  replyDomain?: string;
  inboundMail?: boolean;
  allowedOrigins?: string[];
  domainName?: string;
  hostedZoneId?: string;
  hostedZoneName?: string;
}

/** Where a web app runs while it is developed against the dev stage. */
const DEV_ORIGINS = ['http://localhost:3000', 'http://localhost:5173'];

/**
 * The stage this synth is for: `-c stage=dev|staging|prod` (dev by default), its settings from
 * cdk.json's `stages.<name>` context, each overridable on the command line (`-c account=…`,
 * `-c region=…`, `-c owner=…`, `-c costCentre=…`, `-c alarmEmail=…`, `-c mailFrom=…`, `-c replyDomain=…`). Staging and prod must name
 * their account and region: a deploy never lands wherever the caller's profile happens to point.
 * Read from any construct (context is the app's), and needs neither credentials nor network.
 */
export function stageOf(scope: IConstruct): Stage {
  const ctx = (key: string): string | undefined => {
    const v = scope.node.tryGetContext(key);
    return v === undefined || v === '' ? undefined : String(v);
  };
  const name = ctx('stage') ?? 'dev';
  if (!(stageNames as readonly string[]).includes(name)) throw new Error(`-c stage=${name}: the stage is one of ${stageNames.join(', ')}`);
  const stage = name as StageName;
  const settings = ((scope.node.tryGetContext('stages') ?? {}) as Record<string, StageSettings>)[stage] ?? {};
  const account = ctx('account') ?? settings.account;
  const region = ctx('region') ?? settings.region;
  if (stage !== 'dev' && (!account || !region)) {
    throw new Error(`stage ${stage} needs an explicit account and region: set stages.${stage}.account and .region in cdk.json, or pass -c account=… -c region=…`);
  }
  if (account !== undefined && !/^\d{12}$/.test(account)) throw new Error(`account ${account}: an AWS account id is 12 digits`);
  const mailFrom = ctx('mailFrom') ?? settings.mailFrom;
  if (stage !== 'dev' && !mailFrom) throw new Error(`stage ${stage} needs mailFrom, a verified SES identity to send invitations and reports from: set stages.${stage}.mailFrom in cdk.json, or pass -c mailFrom=…`);
  if (mailFrom !== undefined && !/^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/.test(mailFrom)) throw new Error(`mailFrom ${mailFrom}: an email address`);
  const replyDomain = (ctx('replyDomain') ?? settings.replyDomain ?? `reply.${mailFrom?.split('@')[1] ?? 'crm.example'}`).toLowerCase();
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(replyDomain)) throw new Error(`replyDomain ${replyDomain}: a mail domain (reply.example.com)`);
  const inboundMail = ctx('inboundMail') !== undefined ? ctx('inboundMail') !== 'false' : (settings.inboundMail ?? true);
  const origins = ctx('allowedOrigins')?.split(',').map((o) => o.trim()) ?? settings.allowedOrigins ?? (stage === 'dev' ? DEV_ORIGINS : []);
  if (origins.length === 0) throw new Error(`stage ${stage} needs allowedOrigins, the web apps' origins (https://…): set stages.${stage}.allowedOrigins in cdk.json, or pass -c allowedOrigins=https://a,https://b`);
  for (const o of origins) {
    const ok = /^https:\/\/[a-z0-9.-]+(:\d+)?$/.test(o) || (stage === 'dev' && /^http:\/\/localhost(:\d+)?$/.test(o));
    if (!ok) throw new Error(`allowed origin ${o}: an origin is https://host[:port] (http://localhost only in dev), without a path or a wildcard`);
  }
  const domainName = ctx('domainName') ?? settings.domainName;
  const hostedZoneId = ctx('hostedZoneId') ?? settings.hostedZoneId;
  const hostedZoneName = ctx('hostedZoneName') ?? settings.hostedZoneName;
  if (stage === 'prod' && !domainName) throw new Error('stage prod needs domainName, hostedZoneId and hostedZoneName: the API is served from its own domain behind CloudFront and WAF');
  if (domainName && (!hostedZoneId || !hostedZoneName)) throw new Error(`domainName ${domainName} needs hostedZoneId and hostedZoneName (the Route 53 zone it is in; no lookups at synth)`);
  if (domainName && hostedZoneName && !domainName.endsWith(`.${hostedZoneName}`)) throw new Error(`domainName ${domainName} is not in the zone ${hostedZoneName}`);
  if (domainName && !account) throw new Error(`domainName ${domainName} needs an explicit account (its certificate and WAF live in us-east-1 of that account)`);
  return {
    name: stage,
    env: account && region ? { account, region } : region ? { region } : undefined,
    owner: ctx('owner') ?? settings.owner ?? 'sales-crm-team',
    costCentre: ctx('costCentre') ?? settings.costCentre ?? 'crm',
    alarmEmail: ctx('alarmEmail') ?? settings.alarmEmail,
    mailFrom,
    replyDomain,
    inboundMail,
    allowedOrigins: origins,
    domain: domainName && hostedZoneId && hostedZoneName ? { name: domainName, hostedZoneId, hostedZoneName } : undefined,
    production: stage === 'prod',
  };
}

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
}

/**
 * The stage this synth is for: `-c stage=dev|staging|prod` (dev by default), its settings from
 * cdk.json's `stages.<name>` context, each overridable on the command line (`-c account=…`,
 * `-c region=…`, `-c owner=…`, `-c costCentre=…`, `-c alarmEmail=…`, `-c mailFrom=…`). Staging and prod must name
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
  return {
    name: stage,
    env: account && region ? { account, region } : region ? { region } : undefined,
    owner: ctx('owner') ?? settings.owner ?? 'sales-crm-team',
    costCentre: ctx('costCentre') ?? settings.costCentre ?? 'crm',
    alarmEmail: ctx('alarmEmail') ?? settings.alarmEmail,
    mailFrom,
    production: stage === 'prod',
  };
}

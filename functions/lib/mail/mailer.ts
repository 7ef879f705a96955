import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { z } from 'zod';
import { traced } from '../observability';

/**
 * Where mail goes: SES v2 in AWS (the raw MIME message, with a configuration set for bounces and
 * complaints), `.local/outbox/<key>.eml` locally. The message is built by the caller (a real MIME
 * document, functions/lib/mail/compose.ts); the mailer only delivers bytes.
 */
export interface OutgoingMail {
  from: string;
  to: readonly string[];
  /** The complete RFC 5322 message. */
  raw: Buffer;
  /** Names the message in the outbox and the logs: `nightly-2026-12-01-manager`. */
  key: string;
  /** The tenant it is sent for: tagged, so SES's bounces and complaints find their message (#14). */
  tenantId?: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<{ messageId: string }>;
}

export class SesMailer implements Mailer {
  constructor(
    private readonly client: Pick<SESv2Client, 'send'>,
    private readonly configurationSet?: string,
  ) {}

  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    const res = await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: mail.from,
        Destination: { ToAddresses: [...mail.to] },
        Content: { Raw: { Data: mail.raw } },
        ...(this.configurationSet && { ConfigurationSetName: this.configurationSet }),
        EmailTags: [{ Name: 'message', Value: mail.key.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256) }, ...(mail.tenantId ? [{ Name: 'tenant', Value: mail.tenantId.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 256) }] : [])],
      }),
    );
    if (!res.MessageId) throw new Error('SES accepted the message without a MessageId');
    return { messageId: res.MessageId };
  }
}

/** The local outbox: one .eml file per message, openable in any mail client. */
export class OutboxMailer implements Mailer {
  constructor(private readonly dir: string) {}

  async send(mail: OutgoingMail): Promise<{ messageId: string }> {
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, `${mail.key.replace(/[^A-Za-z0-9_.-]/g, '_')}.eml`);
    writeFileSync(file, mail.raw);
    return { messageId: `outbox:${file}` };
  }
}

const MailEnv = z.object({
  MAIL_MODE: z.enum(['ses', 'outbox']).default('ses'),
  MAIL_FROM: z.string().min(3).default('CRM <no-reply@crm.example>'),
  OUTBOX_DIR: z.string().min(1).default('.local/outbox'),
  SES_CONFIGURATION_SET: z.string().min(1).optional(),
  AWS_REGION: z.string().min(1).default('ap-south-1'),
});

let mailer: { mailer: Mailer; from: string } | undefined;

/** The process's mailer and sender address, from the environment (MAIL_MODE=outbox locally). */
export function getMailer(): { mailer: Mailer; from: string } {
  if (!mailer) {
    const env = MailEnv.parse(process.env);
    mailer = {
      from: env.MAIL_FROM,
      mailer: env.MAIL_MODE === 'outbox' ? new OutboxMailer(env.OUTBOX_DIR) : new SesMailer(traced(new SESv2Client({ region: env.AWS_REGION, maxAttempts: 3 })), env.SES_CONFIGURATION_SET),
    };
  }
  return mailer;
}

/** Tests and the local stack plug their own in; `undefined` goes back to the environment's. */
export function installMailer(m: { mailer: Mailer; from: string } | undefined): void {
  mailer = m;
}

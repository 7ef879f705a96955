import { createHmac } from 'node:crypto';
import { conflict } from '../../../domain/errors';
import { config } from '../config';
import { cursorKeys } from '../services';
import type { MessagingDeps, WhatsAppPort } from '../use-cases/send-message';
import { outboxWhatsApp } from '../use-cases/send-message';
import { getMailer } from './mailer';

/**
 * What sending a message needs, from the process's environment: the mailer and its sender, the
 * domain replies arrive at, the key that signs thread addresses — derived from the cursor keys
 * (Secrets Manager in AWS), so no new secret is needed and a rotation of those keys keeps the
 * previous one for addresses already sent — and the WhatsApp port: the outbox locally; in AWS the
 * Cloud API adapter arrives with the whatsapp connection (until then a 409 says so).
 */
let deps: Promise<MessagingDeps> | undefined;

const bare = (from: string) => /<([^>]+)>/.exec(from)?.[1] ?? from;
export const threadKeyOf = (cursorKey: string) => createHmac('sha256', cursorKey).update('crm thread address v1').digest();

const notConnected: WhatsAppPort = {
  send: () => Promise.reject(conflict('whatsapp_not_connected', 'WhatsApp sending needs the tenant’s WhatsApp connection, which arrives with the rest of the communication hub.')),
};

export function messagingDeps(): Promise<MessagingDeps> {
  return (deps ??= (async () => {
    const { mailer, from } = getMailer();
    const source = cursorKeys(config());
    const keys = typeof source === 'function' ? await source() : source;
    return {
      mailer,
      from: bare(from),
      replyDomain: process.env.MAIL_REPLY_DOMAIN ?? 'reply.crm.example',
      threadSecret: threadKeyOf(keys.current),
      whatsapp: process.env.MAIL_MODE === 'outbox' ? outboxWhatsApp(process.env.OUTBOX_DIR ?? '.local/outbox') : notConnected,
    };
  })());
}

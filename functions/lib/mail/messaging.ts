import { createHmac } from 'node:crypto';
import { conflict } from '../../../domain/errors';
import { config } from '../config';
import { cursorKeys } from '../services';
import type { MessagingDeps, WhatsAppPort } from '../use-cases/send-message';
import { outboxWhatsApp } from '../use-cases/send-message';
import { getMailer } from './mailer';
import { fetchHttp, ProviderApiError, type HttpClient } from '../integrations/http';
import { sendCloudApi } from '../integrations/providers/whatsapp';
import { unavailable } from '../http/errors';
import type { UseCaseContext } from '../use-cases/context';
import type { Services } from '../use-cases/ports';

/**
 * What sending a message needs, from the process's environment: the mailer and its sender, the
 * domain replies arrive at, the key that signs thread addresses — derived from the cursor keys
 * (Secrets Manager in AWS), so no new secret is needed and a rotation of those keys keeps the
 * previous one for addresses already sent — and the WhatsApp port: the outbox locally; in AWS the
 * Cloud API through the tenant's whatsapp connection (messagingDepsFor binds it to the caller's tenant).
 */
let deps: Promise<MessagingDeps> | undefined;

const bare = (from: string) => /<([^>]+)>/.exec(from)?.[1] ?? from;
export const threadKeyOf = (cursorKey: string) => createHmac('sha256', cursorKey).update('crm thread address v1').digest();

const notConnected = () => conflict('whatsapp_not_connected', 'WhatsApp sending needs the tenant’s WhatsApp connection: an admin creates it (POST /v1/integrations, provider whatsapp) with its access token.');

/**
 * The Cloud API from the tenant's enabled WhatsApp connection (its number, its token): Meta's
 * refusal is a 409 naming Meta's code, a refused token says the connection needs it, and an
 * outage is a 503 to retry (the Idempotency-Key makes the retry safe).
 */
export function cloudApiWhatsApp(services: Services, tenantId: string, http: HttpClient = fetchHttp): WhatsAppPort {
  return {
    async send(request) {
      const connections = (await services.integrations.listConnections(tenantId, { limit: 100 })).items;
      const conn = connections.find((c) => c.provider === 'whatsapp' && c.enabled && typeof c.settings.phoneNumberId === 'string');
      if (!conn) throw notConnected();
      const secrets = (await services.secrets.get(tenantId, conn.id))?.values ?? {};
      const graph = process.env.INTEGRATION_WHATSAPP_GRAPH_URL?.replace(/\/+$/, '');
      try {
        return await sendCloudApi({ phoneNumberId: conn.settings.phoneNumberId as string, secrets, ...(graph && { graph }) }, request, http);
      } catch (error) {
        if (!(error instanceof ProviderApiError)) throw error;
        if (error.retryable) throw unavailable('whatsapp_unavailable', 'WhatsApp did not take the message just now; send it again (with the same Idempotency-Key) in a minute.', 60);
        if (error.code === 'provider_unauthorized') throw conflict('whatsapp_not_connected', 'WhatsApp refused the connection’s access token: an admin updates it on the WhatsApp connection.');
        throw conflict('whatsapp_refused', `WhatsApp refused the message: ${error.message.replace(/^POST \S+ answered /, '')}.`);
      }
    },
  };
}

/** The deps of one request: the WhatsApp port bound to the caller's tenant (the outbox locally). */
export async function messagingDepsFor(ctx: Pick<UseCaseContext, 'services' | 'actor'>): Promise<MessagingDeps> {
  const deps = await messagingDeps();
  return process.env.MAIL_MODE === 'outbox' ? deps : { ...deps, whatsapp: cloudApiWhatsApp(ctx.services, ctx.actor.tenantId) };
}

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
      whatsapp: process.env.MAIL_MODE === 'outbox' ? outboxWhatsApp(process.env.OUTBOX_DIR ?? '.local/outbox') : { send: () => Promise.reject(notConnected()) },
      messagesPerMinute: config().MESSAGES_PER_MINUTE,
    };
  })());
}

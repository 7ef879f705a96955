import type { CanonicalInput } from '../../../../../domain/integrations/canonical';
import { parseWhatsAppWebhook } from '../../../../../domain/messages/whatsapp/webhook';
import type { ProviderWorker } from '..';

/**
 * WhatsApp (#14): the Cloud API webhook's messages and statuses as canonical message records,
 * applied by functions/lib/use-cases/messages-apply.ts. Media are named by id (fetching them to
 * the bucket is still to come): their caption, or their kind, is the text.
 */
export const worker: ProviderWorker = {
  parse(body) {
    const parsed = parseWhatsAppWebhook(body);
    const records: CanonicalInput[] = [
      ...parsed.inbound.map((m) => ({
        type: 'message.received' as const,
        externalId: m.waMessageId,
        data: { channel: 'whatsapp' as const, from: m.from, text: m.text ?? m.media?.caption ?? m.reply?.title ?? (m.location ? `Location ${m.location.latitude}, ${m.location.longitude}${m.location.name ? ` (${m.location.name})` : ''}` : `[${m.metaType ?? m.kind}]`), kind: m.kind, at: m.at, ...(m.context && { replyTo: m.context.id }) },
      })),
      ...parsed.statuses.map((s) => ({
        type: 'message.status' as const,
        externalId: s.waMessageId,
        data: { status: s.status, at: s.at, ...(s.error && { error: { code: String(s.error.code), message: s.error.message ?? s.error.title } }) },
      })),
    ];
    return { records, fetches: [], ignored: parsed.ignored };
  },
};

import type { CanonicalInput, FetchRef } from '../../../../../domain/integrations/canonical';
import { parseWhatsAppWebhook, type InboundWhatsApp } from '../../../../../domain/messages/whatsapp/webhook';
import type { ProviderWorker } from '..';
import { defaultEndpoints, MEDIA_ENTITY, resolve } from '../whatsapp';

/**
 * WhatsApp (#14): the Cloud API webhook's messages and statuses as canonical message records,
 * applied by functions/lib/use-cases/messages-apply.ts. A photo, document, voice note or video is
 * fetched into the media bucket first (../whatsapp.ts): its record travels with the fetch.
 */
const textOf = (m: InboundWhatsApp) =>
  m.text ?? m.media?.caption ?? m.reply?.title ?? (m.location ? `Location ${m.location.latitude}, ${m.location.longitude}${m.location.name ? ` (${m.location.name})` : ''}` : `[${m.metaType ?? m.kind}]`);

export const worker: ProviderWorker = {
  parse(body) {
    const parsed = parseWhatsAppWebhook(body);
    const records: CanonicalInput[] = [];
    const fetches: FetchRef[] = [];
    for (const m of parsed.inbound) {
      const record = {
        type: 'message.received' as const,
        externalId: m.waMessageId,
        data: { channel: 'whatsapp' as const, from: m.from, text: textOf(m), kind: m.kind, at: m.at, ...(m.context && { replyTo: m.context.id }) },
      };
      if (m.media) fetches.push({ entity: MEDIA_ENTITY, id: m.media.id, hints: { record: JSON.stringify(record), wamid: m.waMessageId, kind: m.kind, ...(m.media.filename && { filename: m.media.filename }) } });
      else records.push(record);
    }
    for (const s of parsed.statuses) {
      records.push({
        type: 'message.status' as const,
        externalId: s.waMessageId,
        data: { status: s.status, at: s.at, ...(s.error && { error: { code: String(s.error.code), message: s.error.message ?? s.error.title } }) },
      });
    }
    return { records, fetches, ignored: parsed.ignored };
  },
  resolve,
  endpoints: { ...defaultEndpoints },
};

import { createHash } from 'node:crypto';
import { z } from 'zod';
import { MappingError, type CanonicalInput, type FetchRef } from '../../../../domain/integrations/canonical';
import type { TemplateMessageRequest, TextMessageRequest } from '../../../../domain/messages/whatsapp/outbound';
import { ProviderApiError, redact, type HttpClient, type HttpResponse } from '../http';
import { appsecretProof, GRAPH_VERSION } from './facebook_lead_ads';
import type { ProviderAccess, Resolve } from './types';

/**
 * The WhatsApp Cloud API (#14, DESIGN §11): what arrives with a photo, a document, a voice note or
 * a video names the file by id; it is read from the Graph API (`GET /{media-id}` answers a URL
 * valid five minutes, on Meta's own host, fetched with the same token) into the media bucket. And
 * what we send goes to `POST /{phone-number-id}/messages`. Shapes: the Cloud API reference's
 * "Retrieve media URL" and "Send messages" (domain/messages/whatsapp/fixtures/README.md).
 */

export const defaultEndpoints = { graph: 'https://graph.facebook.com' } as const;

/** Meta's own limits are 5 MB for images, 16 MB for audio and video, 100 MB for documents; we keep 25 MB (an email's limit too). */
export const MAX_MEDIA_BYTES = 25 * 1024 * 1024;

/** Hosts Meta serves media from: a download URL anywhere else is refused (the URL comes from an answer, not from us). */
const MEDIA_HOSTS = /(^|\.)(fbsbx\.com|fbcdn\.net|whatsapp\.net)$/;

/** The file a media message names, as the parser hands it to the adapter: the message's record travels with it. */
export const MEDIA_ENTITY = 'whatsapp_media';

const MediaUrl = z.looseObject({
  url: z.string().url(),
  mime_type: z.string().min(1).max(200),
  sha256: z.string().optional(),
  file_size: z.union([z.number(), z.string().regex(/^\d+$/)]).optional(),
  id: z.string().optional(),
});

const graphAuth = (access: Pick<ProviderAccess, 'secrets'>) => {
  const token = access.secrets.accessToken;
  if (!token) throw new ProviderApiError('provider_unauthorized', 'The WhatsApp connection has no access token: set accessToken.', false);
  const query = new URLSearchParams();
  if (access.secrets.appSecret) query.set('appsecret_proof', appsecretProof(token, access.secrets.appSecret));
  return { headers: { authorization: `Bearer ${token}` }, query: query.size > 0 ? `?${query}` : '' };
};

/** Graph's error answer → a ProviderApiError naming Meta's code (never its message, which may quote what was sent). */
function failure(what: string, res: HttpResponse): ProviderApiError {
  let code: number | undefined;
  try {
    code = (JSON.parse(res.text) as { error?: { code?: number } }).error?.code;
  } catch {
    code = undefined;
  }
  const message = `${what} answered ${res.status}${code === undefined ? '' : ` (code ${code})`}`;
  if (res.status === 429 || res.status >= 500 || code === 4 || code === 80007 || code === 130429 || code === 131056) return new ProviderApiError('provider_unreachable', message, true, res.status);
  if (res.status === 401 || res.status === 403 || code === 190) return new ProviderApiError('provider_unauthorized', message, false, res.status);
  if (res.status === 404) return new ProviderApiError('provider_not_found', message, false, res.status);
  return new ProviderApiError('provider_refused', message, false, res.status);
}

const extensions: Record<string, string> = { 'image/jpeg': 'jpg', 'image/png': 'png', 'image/webp': 'webp', 'application/pdf': 'pdf', 'audio/ogg': 'ogg', 'audio/mpeg': 'mp3', 'audio/aac': 'aac', 'video/mp4': 'mp4', 'text/plain': 'txt' };
const safeName = (s: string) => s.replace(/[^\w.-]+/g, '_').replace(/^[._]+/, '').slice(0, 100) || 'file';

/** One media file: its URL from Graph, its bytes from Meta's host, checked against the size and digest Meta gave, into the bucket. */
async function fetchMedia(ref: FetchRef, access: ProviderAccess) {
  const base = access.endpoints.graph ?? defaultEndpoints.graph;
  const auth = graphAuth(access);
  const infoUrl = `${base}/${GRAPH_VERSION}/${encodeURIComponent(ref.id)}${auth.query}`;
  const info = await access.http({ method: 'GET', url: infoUrl, headers: { ...auth.headers, accept: 'application/json' } });
  if (info.status < 200 || info.status >= 300) throw failure(`GET ${redact(infoUrl)}`, info);
  let parsed: z.infer<typeof MediaUrl>;
  try {
    parsed = MediaUrl.parse(JSON.parse(info.text));
  } catch {
    throw new ProviderApiError('provider_bad_response', `GET ${redact(infoUrl)} answered no media URL`, false, info.status);
  }
  const url = new URL(parsed.url);
  const ours = new URL(base);
  // Meta's host over https; a test's loopback stub is trusted only as the configured Graph endpoint.
  if (!(url.protocol === 'https:' && MEDIA_HOSTS.test(url.hostname)) && url.origin !== ours.origin) {
    throw new ProviderApiError('provider_bad_response', `the media URL for ${ref.id} is not on Meta's hosts (${url.hostname})`, false);
  }
  if (parsed.file_size !== undefined && Number(parsed.file_size) > MAX_MEDIA_BYTES) {
    throw new ProviderApiError('provider_bad_response', `media ${ref.id} is ${parsed.file_size} bytes, over ${MAX_MEDIA_BYTES}`, false);
  }
  const res = await access.http({ method: 'GET', url: parsed.url, headers: auth.headers, binary: true, maxBytes: MAX_MEDIA_BYTES, timeoutMs: 30_000 });
  if (res.status < 200 || res.status >= 300 || !res.bytes) throw failure(`GET ${redact(parsed.url)}`, res);
  // Meta writes the digest in hex here (and in base64 in webhooks): either form is checked.
  const digest = createHash('sha256').update(res.bytes).digest();
  if (parsed.sha256 && ![digest.toString('hex'), digest.toString('base64')].includes(/^[0-9a-f]{64}$/i.test(parsed.sha256) ? parsed.sha256.toLowerCase() : parsed.sha256)) {
    throw new ProviderApiError('provider_unreachable', `media ${ref.id} arrived damaged (its SHA-256 differs from Meta's)`, true);
  }
  const contentType = parsed.mime_type.split(';')[0]!.trim().toLowerCase();
  const filename = safeName(ref.hints?.filename ?? `${ref.hints?.kind ?? 'media'}-${ref.id}.${extensions[contentType] ?? 'bin'}`);
  const key = await access.storeMedia(`${safeName(ref.hints?.wamid ?? ref.id)}/${filename}`, res.bytes, contentType);
  return { key, filename, contentType, size: res.bytes.length };
}

/**
 * The media messages of a delivery, each with its file stored. A file Meta no longer has (a 404:
 * media are kept 30 days) or refuses leaves the message with its caption and says so in the text;
 * a timeout or a 5xx is retried with the delivery.
 */
export const resolve: Resolve = async (fetches, access): Promise<CanonicalInput[]> => {
  const records: CanonicalInput[] = [];
  for (const ref of fetches) {
    if (ref.entity !== MEDIA_ENTITY) continue;
    const record = ref.hints?.record ? (JSON.parse(ref.hints.record) as CanonicalInput & { type: 'message.received' }) : undefined;
    if (!record) throw new MappingError('invalid_reference', `media ${ref.id} came without its message`);
    try {
      const attachment = await fetchMedia(ref, access);
      records.push({ ...record, data: { ...record.data, attachments: [attachment] } });
    } catch (error) {
      if (!(error instanceof ProviderApiError) || error.retryable) throw error;
      records.push({ ...record, data: { ...record.data, text: `${record.data.text} (the file could not be fetched: ${error.code})` } });
    }
  }
  return records;
};

// ── sending ────────────────────────────────────────────────────────────────────────────────────

const SendAnswer = z.looseObject({ messages: z.array(z.looseObject({ id: z.string().min(1) })).min(1) });

/**
 * One message through the Cloud API from the connection's number; answers its wamid. Meta's
 * refusal (a number not on WhatsApp, a template not approved, 131047 outside the window) is a
 * ProviderApiError carrying Meta's code; the send use case says what it means.
 */
export async function sendCloudApi(
  connection: { phoneNumberId: string; secrets: Record<string, string>; graph?: string },
  request: TextMessageRequest | TemplateMessageRequest,
  http: HttpClient,
): Promise<{ wamid: string }> {
  const auth = graphAuth({ secrets: connection.secrets });
  const url = `${connection.graph ?? defaultEndpoints.graph}/${GRAPH_VERSION}/${encodeURIComponent(connection.phoneNumberId)}/messages${auth.query}`;
  const res = await http({ method: 'POST', url, headers: { ...auth.headers, 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify(request) });
  if (res.status < 200 || res.status >= 300) throw failure(`POST ${redact(url)}`, res);
  try {
    return { wamid: SendAnswer.parse(JSON.parse(res.text)).messages[0]!.id };
  } catch {
    throw new ProviderApiError('provider_bad_response', `POST ${redact(url)} answered no message id`, false, res.status);
  }
}

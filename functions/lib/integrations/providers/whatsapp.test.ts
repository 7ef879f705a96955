import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHttpStub, type HttpStub } from '../../../../test/http-stub';
import { buildTextMessage } from './whatsapp.fixtures';
import { fetchHttp, ProviderApiError } from '../http';
import { appsecretProof } from './facebook_lead_ads';
import { worker } from './registry/whatsapp';
import type { ProviderAccess } from './types';
import { resolve, sendCloudApi } from './whatsapp';

/**
 * The WhatsApp Cloud API adapter against a loopback stub answering the reference's shapes:
 * "Retrieve media URL" (`GET /{media-id}` → url, mime_type, sha256 hex, file_size) and "Send
 * messages" (`POST /{phone-number-id}/messages` → contacts, messages[{id}]).
 */
const fixture = (name: string) => readFileSync(new URL(`../../../../domain/messages/whatsapp/fixtures/${name}`, import.meta.url), 'utf8');
const TOKEN = 'EAAwhatsappToken';
const APP_SECRET = 'wa-app-secret';
const PHOTO = Buffer.from('JFIF-not-really-a-jpeg: 0123456789');
const PHOTO_HEX = createHash('sha256').update(PHOTO).digest('hex');

let stub: HttpStub;
beforeAll(async () => {
  stub = await startHttpStub();
});
afterAll(() => stub.close());
beforeEach(() => {
  stub.requests.length = 0;
});

const stored: { name: string; bytes: Buffer; contentType: string }[] = [];
const access = (): ProviderAccess => ({
  settings: { phoneNumberId: '106540352242922' },
  secrets: { accessToken: TOKEN, appSecret: APP_SECRET },
  saveSecrets: async () => {},
  async storeMedia(name, bytes, contentType) {
    stored.push({ name, bytes, contentType });
    return `messages/demo/inbound/ic_1/${name}`;
  },
  http: fetchHttp,
  now: new Date('2026-12-01T10:00:00Z'),
  endpoints: { graph: stub.url },
});
const parseCtx = { settings: {}, headers: {}, receivedAt: new Date('2026-12-01T10:00:00Z') };

describe('whatsapp: media a client sent', () => {
  it('parses an image into a fetch carrying its message, reads the URL then the bytes with the token, checks the digest and stores the file', async () => {
    stored.length = 0;
    const parsed = worker.parse(fixture('image.json'), parseCtx);
    expect(parsed.records).toEqual([]);
    expect(parsed.fetches.map((f) => [f.entity, f.id])).toEqual([['whatsapp_media', '1003383421387256']]);
    stub.on('GET', '/v26.0/1003383421387256', { body: { messaging_product: 'whatsapp', url: `${stub.url}/whatsapp_business/attachments/?mid=1003383421387256`, mime_type: 'image/jpeg', sha256: PHOTO_HEX, file_size: String(PHOTO.length), id: '1003383421387256' } });
    stub.on('GET', '/whatsapp_business/attachments/', { body: PHOTO.toString('latin1') });

    const records = await resolve(parsed.fetches, access());

    expect(records).toEqual([
      {
        type: 'message.received',
        externalId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzRUIwQzc2RjQ5QjI4MUYwOTE0NwA=',
        data: {
          channel: 'whatsapp',
          from: '+16505551234',
          text: 'Is this the rooftop panel you quoted?',
          kind: 'image',
          at: '2025-06-08T21:01:40.000Z',
          attachments: [{ key: 'messages/demo/inbound/ic_1/wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzRUIwQzc2RjQ5QjI4MUYwOTE0NwA_/image-1003383421387256.jpg', filename: 'image-1003383421387256.jpg', contentType: 'image/jpeg', size: PHOTO.length }],
        },
      },
    ]);
    expect(stored.map((s) => [s.name, s.bytes.equals(PHOTO), s.contentType])).toEqual([['wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzRUIwQzc2RjQ5QjI4MUYwOTE0NwA_/image-1003383421387256.jpg', true, 'image/jpeg']]);
    const proof = appsecretProof(TOKEN, APP_SECRET);
    expect(stub.requests.map((r) => [r.method, r.url, r.headers.authorization])).toEqual([
      ['GET', `/v26.0/1003383421387256?appsecret_proof=${proof}`, `Bearer ${TOKEN}`],
      ['GET', '/whatsapp_business/attachments/?mid=1003383421387256', `Bearer ${TOKEN}`],
    ]);
  });

  it('keeps the message without its file when Meta no longer has it (404), saying so; retries on a 5xx or a damaged file', async () => {
    const parsed = worker.parse(fixture('image.json'), parseCtx);
    stub.on('GET', '/v26.0/1003383421387256', { status: 404, body: { error: { message: 'Unsupported get request', type: 'GraphMethodException', code: 100 } } });
    const [record] = await resolve(parsed.fetches, access());
    expect(record).toMatchObject({ data: { text: 'Is this the rooftop panel you quoted? (the file could not be fetched: provider_not_found)' } });
    expect((record as { data: { attachments?: unknown } }).data.attachments).toBeUndefined();

    stub.on('GET', '/v26.0/1003383421387256', { status: 503, body: { error: { code: 2 } } });
    await expect(resolve(parsed.fetches, access())).rejects.toMatchObject({ code: 'provider_unreachable', retryable: true });

    stub.on('GET', '/v26.0/1003383421387256', { body: { url: `${stub.url}/whatsapp_business/attachments/?mid=1`, mime_type: 'image/jpeg', sha256: '0'.repeat(64) } });
    await expect(resolve(parsed.fetches, access())).rejects.toMatchObject({ code: 'provider_unreachable', retryable: true, message: 'media 1003383421387256 arrived damaged (its SHA-256 differs from Meta\u2019s)'.replace('\u2019', "'") });
  });

  it('refuses a download URL off Meta’s hosts (the URL comes from an answer): the message is kept without the file', async () => {
    const parsed = worker.parse(fixture('image.json'), parseCtx);
    stub.on('GET', '/v26.0/1003383421387256', { body: { url: 'http://169.254.169.254/latest/meta-data/', mime_type: 'image/jpeg' } });
    const [record] = await resolve(parsed.fetches, access());
    expect(record).toMatchObject({ data: { text: 'Is this the rooftop panel you quoted? (the file could not be fetched: provider_bad_response)' } });
    expect(stub.requests).toHaveLength(1);
  });
});

describe('whatsapp: sending through the Cloud API', () => {
  it('posts the request to the number’s messages edge with the token and answers Meta’s wamid', async () => {
    stub.on('POST', '/v26.0/106540352242922/messages', { body: { messaging_product: 'whatsapp', contacts: [{ input: '+919873000001', wa_id: '919873000001' }], messages: [{ id: 'wamid.HBgMOTE5ODczMDAwMDAxFQIAERgSQTk', message_status: 'accepted' }] } });
    const request = buildTextMessage();
    expect(await sendCloudApi({ phoneNumberId: '106540352242922', secrets: { accessToken: TOKEN }, graph: stub.url }, request, fetchHttp)).toEqual({ wamid: 'wamid.HBgMOTE5ODczMDAwMDAxFQIAERgSQTk' });
    expect(stub.requests.map((r) => [r.method, r.url, r.headers.authorization, JSON.parse(r.body)])).toEqual([['POST', '/v26.0/106540352242922/messages', `Bearer ${TOKEN}`, request]]);
  });

  it('carries Meta’s code when it refuses (131026: not a WhatsApp number), and calls a rate limit (130429) worth retrying', async () => {
    stub.on('POST', '/v26.0/106540352242922/messages', { status: 400, body: { error: { message: '(#131026) Message Undeliverable.', type: 'OAuthException', code: 131026, fbtrace_id: 'Az8' } } });
    const refused = await sendCloudApi({ phoneNumberId: '106540352242922', secrets: { accessToken: TOKEN }, graph: stub.url }, buildTextMessage(), fetchHttp).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderApiError);
    expect(refused).toMatchObject({ code: 'provider_refused', retryable: false, message: 'POST /v26.0/106540352242922/messages answered 400 (code 131026)'.replace(/^POST /, `POST ${stub.url}`) });
    stub.on('POST', '/v26.0/106540352242922/messages', { status: 400, body: { error: { code: 130429 } } });
    await expect(sendCloudApi({ phoneNumberId: '106540352242922', secrets: { accessToken: TOKEN }, graph: stub.url }, buildTextMessage(), fetchHttp)).rejects.toMatchObject({ code: 'provider_unreachable', retryable: true });
    await expect(sendCloudApi({ phoneNumberId: '106540352242922', secrets: {}, graph: stub.url }, buildTextMessage(), fetchHttp)).rejects.toMatchObject({ code: 'provider_unauthorized' });
  });
});

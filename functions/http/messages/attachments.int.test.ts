import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { simpleParser } from 'mailparser';
import { describe, expect, it } from 'vitest';
import { config } from '../../lib/config';
import { OutboxMailer } from '../../lib/mail/mailer';
import { getServices, getStoreClients } from '../../lib/services';
import { keys } from '../../lib/store/keys';
import { contextOf } from '../../lib/use-cases/context';
import { RateLimited } from '../../lib/use-cases/rate-limit';
import { outboxWhatsApp, sendMessage, type MessagingDeps } from '../../lib/use-cases/send-message';
import { useLocalStack } from '../../../test/stack';

/** #14 item 1 on the local stack (s3rver, the outbox): email attachments from uploaded keys, and the per-tenant send limit. */
const api = useLocalStack();
const tse1 = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const tse2 = { tenantId: 'demo', staffId: 'tse-2', role: 'tse' } as const;
const analyst = { tenantId: 'demo', staffId: 'an-1', role: 'analyst' } as const;
const acmeTse = { tenantId: 'acme', staffId: 'tse-1', role: 'tse' } as const;
const MB = 1024 * 1024;

let phone = 9873000000;
async function client(who: { tenantId: string; staffId: string; role: 'tse' } = tse1) {
  return (await api.as(who).post('/v1/clients', { companyName: 'Attach Traders', ownerName: 'Asha', mobile: String(++phone), email: `asha${phone}@example.com` })).body as { id: string; email: string };
}

/** Asks for an upload URL and PUTs the bytes to it with exactly the signed headers. */
async function upload(who: typeof tse1 | typeof acmeTse, clientId: string, filename: string, contentType: string, bytes: Buffer): Promise<string> {
  const res = await api.as(who).post(`/v1/clients/${clientId}/attachments`, { filename, contentType, size: bytes.length });
  expect(res.status).toBe(201);
  const put = await fetch(res.body.uploadUrl, { method: 'PUT', headers: res.body.headers, body: bytes });
  expect(put.status).toBe(200);
  return res.body.key;
}

const outbox = () => readdirSync(api.stack().outboxDir).filter((f) => f.endsWith('.eml'));
const email = (extra: Record<string, unknown>) => ({ channel: 'email', subject: 'Your documents', text: 'Please find them attached.', ...extra });

describe('email attachments', () => {
  it('an upload URL signs the type and length; the email carries each file as uploaded, the message lists them, and each downloads again', async () => {
    const c = await client();
    const asked = await api.as(tse1).post(`/v1/clients/${c.id}/attachments`, { filename: 'Quote #7 (final).pdf', contentType: 'application/pdf', size: 1234 });
    expect(asked.status).toBe(201);
    expect(asked.body).toEqual({
      key: expect.stringMatching(new RegExp(`^messages/demo/${c.id}/uploads/[0-9a-hjkmnp-tv-z]{26}/Quote_7_final_\\.pdf$`)),
      filename: 'Quote_7_final_.pdf',
      uploadUrl: expect.stringContaining('X-Amz-Signature='),
      expiresAt: expect.any(String),
      headers: { 'content-type': 'application/pdf', 'content-length': '1234' },
    });

    const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(40_000)]);
    const csv = Buffer.from('product,value\nwebsite,15000\n');
    const pdfKey = await upload(tse1, c.id, 'Quote #7 (final).pdf', 'application/pdf', pdf);
    const csvKey = await upload(tse1, c.id, 'price list.csv', 'text/csv', csv);
    const sent = await api.as(tse1).post(`/v1/clients/${c.id}/messages`, email({ attachments: [pdfKey, csvKey] }));
    expect(sent.status).toBe(201);
    expect(sent.body.attachments).toEqual([
      { key: pdfKey, filename: 'Quote_7_final_.pdf', contentType: 'application/pdf', size: pdf.length },
      { key: csvKey, filename: 'price_list.csv', contentType: 'text/csv', size: csv.length },
    ]);

    const parsed = await simpleParser(readFileSync(join(api.stack().outboxDir, `${sent.body.id}.eml`)));
    expect(parsed.text?.trim()).toBe('Please find them attached.');
    expect(parsed.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, disposition: a.contentDisposition }))).toEqual([
      { filename: 'Quote_7_final_.pdf', contentType: 'application/pdf', disposition: 'attachment' },
      { filename: 'price_list.csv', contentType: 'text/csv', disposition: 'attachment' },
    ]);
    expect(parsed.attachments[0]!.content.equals(pdf)).toBe(true);
    expect(parsed.attachments[1]!.content.equals(csv)).toBe(true);
    expect((await api.as(tse1).get(`/v1/clients/${c.id}/messages`)).body.items[0].attachments).toEqual(sent.body.attachments);

    const download = await api.as(tse1).get(`/v1/clients/${c.id}/messages/${sent.body.id}/attachments/0`);
    expect(download.status).toBe(200);
    expect(download.body).toEqual({ downloadUrl: expect.stringContaining('X-Amz-Signature='), expiresAt: expect.any(String), filename: 'Quote_7_final_.pdf', contentType: 'application/pdf', size: pdf.length });
    const file = await fetch(download.body.downloadUrl);
    expect(Buffer.from(await file.arrayBuffer()).equals(pdf)).toBe(true);
    expect(file.headers.get('content-disposition')).toBe(`attachment; filename="Quote_7_final_.pdf"; filename*=UTF-8''Quote_7_final_.pdf`);
    expect((await api.as(tse1).get(`/v1/clients/${c.id}/messages/${sent.body.id}/attachments/2`)).body).toMatchObject({ status: 404, code: 'attachment_not_found' });
  });

  it('an upload is of a listed type and at most 10 MB, for a client the caller may send to', async () => {
    const c = await client();
    const exe = await api.as(tse1).post(`/v1/clients/${c.id}/attachments`, { filename: 'setup.exe', contentType: 'application/x-msdownload', size: 10 });
    expect(exe.status).toBe(422);
    expect(exe.body.errors).toEqual([expect.objectContaining({ field: 'body.contentType' })]);
    const big = await api.as(tse1).post(`/v1/clients/${c.id}/attachments`, { filename: 'big.pdf', contentType: 'application/pdf', size: 10 * MB + 1 });
    expect(big.body.errors).toEqual([expect.objectContaining({ field: 'body.size', message: 'must be at most 10 MB' })]);
    expect((await api.as(tse2).post(`/v1/clients/${c.id}/attachments`, { filename: 'q.pdf', contentType: 'application/pdf', size: 10 })).status).toBe(404);
    expect((await api.as(analyst).post(`/v1/clients/${c.id}/attachments`, { filename: 'q.pdf', contentType: 'application/pdf', size: 10 })).status).toBe(403);
    expect((await api.as(acmeTse).post(`/v1/clients/${c.id}/attachments`, { filename: 'q.pdf', contentType: 'application/pdf', size: 10 })).status).toBe(404);
  });

  it('a send naming another tenant’s or client’s key, a key never uploaded to, a type off the list or too many bytes is refused field by field, and nothing is sent', async () => {
    const c = await client();
    const other = await client();
    const acme = await client(acmeTse);
    const acmeKey = await upload(acmeTse, acme.id, 'acme.pdf', 'application/pdf', Buffer.from('%PDF acme'));
    const otherKey = await upload(tse1, other.id, 'other.pdf', 'application/pdf', Buffer.from('%PDF other'));
    // The same key shape, but acme's, under this client's id: still not this tenant's.
    const acmeShaped = acmeKey.replace(`/${acme.id}/`, `/${c.id}/`);
    const notUploaded = (await api.as(tse1).post(`/v1/clients/${c.id}/attachments`, { filename: 'later.pdf', contentType: 'application/pdf', size: 10 })).body.key;
    const mine = await upload(tse1, c.id, 'mine.pdf', 'application/pdf', Buffer.from('%PDF mine'));
    const before = outbox();

    const foreign = await api.as(tse1).post(`/v1/clients/${c.id}/messages`, email({ attachments: [mine, acmeKey, otherKey, acmeShaped, 'tenants/demo/clients/x.png', `messages/demo/${c.id}/uploads/../../../acme/${acme.id}/uploads/x/acme.pdf`] }));
    expect(foreign.status).toBe(422);
    const foreignError = { code: 'foreign_key', message: 'is not a file uploaded for this client (POST /v1/clients/{id}/attachments)' };
    expect(foreign.body.errors).toEqual([1, 2, 3, 4, 5].map((i) => ({ field: `body.attachments.${i}`, ...foreignError })));

    const missing = await api.as(tse1).post(`/v1/clients/${c.id}/messages`, email({ attachments: [mine, notUploaded] }));
    expect(missing.status).toBe(422);
    expect(missing.body.errors).toEqual([{ field: 'body.attachments.1', code: 'not_uploaded', message: 'nothing was uploaded to this key (PUT the file to its upload URL first)' }]);

    // Objects the upload URL would not have taken, written straight to the bucket: what S3 holds is what counts.
    const files = getServices().files;
    const at = (name: string) => notUploaded.replace(/later\.pdf$/, name);
    await files.write(at('huge.pdf'), [Buffer.alloc(10 * MB + 1, 1)], 'application/pdf');
    await files.write(at('setup.exe'), [Buffer.from('MZ')], 'application/x-msdownload');
    const oversize = await api.as(tse1).post(`/v1/clients/${c.id}/messages`, email({ attachments: [at('huge.pdf'), at('setup.exe'), mine, mine] }));
    expect(oversize.body.errors).toEqual([
      { field: 'body.attachments.0', code: 'too_large', message: 'is over 10 MB' },
      { field: 'body.attachments.1', code: 'unsupported_type', message: 'is of a type that cannot be attached (application/x-msdownload)' },
      { field: 'body.attachments.3', code: 'duplicate', message: 'names the same file as body.attachments.2' },
    ]);
    await Promise.all(['a.pdf', 'b.pdf', 'c.pdf'].map((name) => files.write(at(name), [Buffer.alloc(7 * MB, 2)], 'application/pdf')));
    const total = await api.as(tse1).post(`/v1/clients/${c.id}/messages`, email({ attachments: [at('a.pdf'), at('b.pdf'), at('c.pdf')] }));
    expect(total.status).toBe(422);
    expect(total.body.errors).toEqual([{ field: 'body.attachments', code: 'too_large', message: `are ${21 * MB} bytes together; at most 20 MB (${20 * MB} bytes)` }]);
    const tooMany = await api.as(tse1).post(`/v1/clients/${c.id}/messages`, email({ attachments: Array.from({ length: 11 }, () => mine) }));
    expect(tooMany.body.errors).toEqual([expect.objectContaining({ field: 'body.attachments' })]);

    expect(outbox()).toEqual(before);
    expect((await api.as(tse1).get(`/v1/clients/${c.id}/messages`)).body.items).toEqual([]);
  });

  it('an attachment downloads only for who may see its message: not another seller, not a warrior about a deal not handed to them, not through another client', async () => {
    const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;
    const warrior = { tenantId: 'demo', staffId: 'w-5', role: 'warrior' } as const;
    expect((await api.as(admin).post('/v1/staff', { staffId: 'w-5', name: 'Warrior Five', email: 'w-5@demo.example', role: 'warrior', managerId: 'manager' })).status).toBe(201);
    const c = await client();
    const handed = (await api.as(tse1).post(`/v1/clients/${c.id}/opportunities`, { productId: 'website', warriors: ['w-5'] })).body;
    const kept = (await api.as(tse1).post(`/v1/clients/${c.id}/opportunities`, { productId: 'kml' })).body;
    const send = async (opportunityId: string) => {
      const key = await upload(tse1, c.id, `${opportunityId}.pdf`, 'application/pdf', Buffer.from(`%PDF ${opportunityId}`));
      const res = await api.as(tse1).post(`/v1/clients/${c.id}/messages`, email({ opportunityId, attachments: [key] }));
      expect(res.status).toBe(201);
      return `/v1/clients/${c.id}/messages/${res.body.id}/attachments/0`;
    };
    const [ofHanded, ofKept] = [await send(handed.id), await send(kept.id)];

    expect((await api.as(warrior).get(ofHanded)).status).toBe(200);
    const hidden = await api.as(warrior).get(ofKept);
    expect(hidden.status).toBe(404);
    expect(hidden.body).toMatchObject({ code: 'message_not_found' });
    expect(JSON.stringify(hidden.body)).not.toContain('downloadUrl');
    for (const path of [ofHanded, ofKept]) {
      expect((await api.as(tse2).get(path)).status).toBe(404);
      expect((await api.as(acmeTse).get(path)).status).toBe(404);
    }
    // The message through another client's path (one tse-1 may see): not that client's message.
    const other = await client();
    expect((await api.as(tse1).get(ofHanded.replace(c.id, other.id))).body).toMatchObject({ status: 404, code: 'message_not_found' });
    expect((await api.as(tse1).get(ofHanded.replace(/\/0$/, '/10'))).status).toBe(422);
  });
});

describe('the per-tenant send limit', () => {
  const secret = Buffer.alloc(32, 7);
  const deps = (): MessagingDeps => ({ mailer: new OutboxMailer(api.stack().outboxDir), from: 'sales@demo.example', replyDomain: 'reply.demo.example', threadSecret: secret, whatsapp: outboxWhatsApp(api.stack().outboxDir) });
  const at = (iso: string) => contextOf(tse1, new Date(iso), getServices());

  it('the 61st message in a minute is 429 with the seconds to the minute’s end, and is not sent; the next minute sends again', async () => {
    const c = await client();
    const input = { channel: 'email' as const, subject: 'Hello', text: 'Hi', attachments: [] };
    for (let i = 0; i < 60; i++) await sendMessage(at('2026-12-02T10:00:15.500Z'), deps(), c.id, input);
    const before = outbox();
    const refused = sendMessage(at('2026-12-02T10:00:15.500Z'), deps(), c.id, input);
    await expect(refused).rejects.toBeInstanceOf(RateLimited);
    await expect(refused).rejects.toMatchObject({ kind: 'too_many_requests', code: 'rate_limited', retryAfterSeconds: 45, limit: 60 });
    await expect(sendMessage(at('2026-12-02T10:00:59.000Z'), deps(), c.id, input)).rejects.toMatchObject({ retryAfterSeconds: 1 });
    expect(outbox()).toEqual(before);
    expect((await getServices().messages.list('demo', c.id, { limit: 100 })).items).toHaveLength(60);
    expect(await sendMessage(at('2026-12-02T10:01:00.000Z'), deps(), c.id, input)).toMatchObject({ status: 'sent' });
    // Another tenant's minute is its own.
    const acme = await client(acmeTse);
    expect(await sendMessage(contextOf(acmeTse, new Date('2026-12-02T10:00:30.000Z'), getServices()), deps(), acme.id, input)).toMatchObject({ status: 'sent' });
  });

  it('over the limit the route answers 429 with Retry-After and RateLimit fields; a replay of an Idempotency-Key is answered and takes nothing', async () => {
    const c = await client();
    const body = { channel: 'email', subject: 'Once', text: 'Only once.' };
    const first = await api.as(tse1).post(`/v1/clients/${c.id}/messages`, body, { 'idempotency-key': 'limit-1' });
    expect(first.status).toBe(201);
    // Fill this minute and the next (the requests below may cross into it) to the limit.
    const minute = Math.floor(Date.now() / 60_000);
    const counter = (m: number) => `RATE#messages#${m}`;
    const limit = config().MESSAGES_PER_MINUTE;
    for (const m of [minute, minute + 1]) {
      const hits = await hitsOf(counter(m));
      await Promise.all(Array.from({ length: limit - hits }, () => getServices().integrations.increment('demo', counter(m), 120)));
    }
    const counts = async () => [await hitsOf(counter(minute)), await hitsOf(counter(minute + 1))];
    expect(await counts()).toEqual([limit, limit]);

    const replay = await api.as(tse1).post(`/v1/clients/${c.id}/messages`, body, { 'idempotency-key': 'limit-1' });
    expect(replay.status).toBe(201);
    expect(replay.headers.get('idempotent-replayed')).toBe('true');
    expect(replay.body.id).toBe(first.body.id);
    expect(await counts()).toEqual([limit, limit]);

    const before = outbox();
    const limited = await api.as(tse1).post(`/v1/clients/${c.id}/messages`, body, { 'idempotency-key': 'limit-2' });
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect({ limit: limited.headers.get('ratelimit-limit'), remaining: limited.headers.get('ratelimit-remaining'), reset: limited.headers.get('ratelimit-reset') }).toEqual({ limit: String(limit), remaining: '0', reset: String(retryAfter) });
    expect(limited.body).toMatchObject({ status: 429, code: 'rate_limited', detail: `Too many messages from this tenant: at most ${limit} a minute; try again in ${retryAfter} s.` });
    expect(outbox()).toEqual(before);
    expect((await api.as(tse1).get(`/v1/clients/${c.id}/messages`)).body.items.map((m: { id: string }) => m.id)).toEqual([first.body.id]);
  });
});

async function hitsOf(name: string): Promise<number> {
  const { Item } = await getStoreClients().db.send(new GetCommand({ TableName: api.stack().tableName, Key: keys.counter('demo', name) }));
  return Number(Item?.hits ?? 0);
}

import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../../../test/stack';

const api = useLocalStack();
const tse1 = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const tse2 = { tenantId: 'demo', staffId: 'tse-2', role: 'tse' } as const;

describe('client images (visiting card / signboard)', () => {
  it('hands out a presigned upload URL, records the key and serves a download URL', async () => {
    const client = (await api.as(tse1).post('/v1/clients', { companyName: 'Card Co', ownerName: 'C', mobile: '9633000001' })).body;
    const bytes = Buffer.from('fake-jpeg-bytes');
    const upload = await api.as(tse1).post(`/v1/clients/${client.id}/image`, { contentType: 'image/jpeg', contentLength: bytes.length });
    expect(upload.status).toBe(201);
    expect(upload.body.imageKey).toMatch(new RegExp(`^tenants/demo/clients/${client.id}/[0-9a-z]{26}\\.jpg$`));
    expect(upload.body.uploadUrl).toContain('X-Amz-Signature=');

    const put = await fetch(upload.body.uploadUrl, { method: 'PUT', headers: upload.body.headers, body: bytes });
    expect(put.status).toBe(200);
    const read = await api.as(tse1).get(`/v1/clients/${client.id}`);
    expect(read.body).toMatchObject({ imageKey: upload.body.imageKey, version: 2 });

    const download = await api.as(tse1).get(`/v1/clients/${client.id}/image`);
    expect(download.status).toBe(200);
    expect(Buffer.from(await (await fetch(download.body.url)).arrayBuffer())).toEqual(bytes);
  });

  it('refuses other types, oversized images and clients out of scope', async () => {
    const client = (await api.as(tse1).post('/v1/clients', { companyName: 'Card Co 2', ownerName: 'C', mobile: '9633000002' })).body;
    const pdf = await api.as(tse1).post(`/v1/clients/${client.id}/image`, { contentType: 'application/pdf', contentLength: 10 });
    expect(pdf.status).toBe(422);
    const big = await api.as(tse1).post(`/v1/clients/${client.id}/image`, { contentType: 'image/png', contentLength: 6 * 1024 * 1024 });
    expect(big.body.errors).toEqual([expect.objectContaining({ field: 'body.contentLength', message: 'must be at most 5 MB' })]);
    expect((await api.as(tse2).post(`/v1/clients/${client.id}/image`, { contentType: 'image/png', contentLength: 10 })).status).toBe(404);
    expect((await api.as(tse1).get(`/v1/clients/${client.id}/image`)).status).toBe(404);
    expect((await api.as(tse1).get(`/v1/clients/${client.id}`)).body.version).toBe(1);
  });
});

import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHttpStub, type HttpStub } from '../../../../test/http-stub';
import { fetchHttp, ProviderApiError } from '../http';
import { defaultEndpoints, reconcile, resolve } from './quickbooks';
import type { ProviderAccess } from './types';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../../../domain/integrations/quickbooks/fixtures/${name}`, import.meta.url), 'utf8'));
const REALM = '9341455130166501';
const NOW = new Date('2026-03-05T10:00:00.000Z');

let stub: HttpStub;
let saved: Record<string, string>[];

beforeEach(async () => {
  stub = await startHttpStub();
  saved = [];
});
afterEach(() => stub.close());

function access(secrets: Record<string, string>, settings: Record<string, unknown> = { realmId: REALM }): ProviderAccess {
  return {
    settings,
    secrets: { clientId: 'ABcd1234client', clientSecret: 's3cr3t', refreshToken: 'AB11-old-refresh', ...secrets },
    saveSecrets: async (patch) => void saved.push(patch),
    storeMedia: () => Promise.reject(new Error('this provider stores no media')),
    http: fetchHttp,
    now: NOW,
    endpoints: { api: stub.url, token: `${stub.url}/oauth2/v1/tokens/bearer` },
  };
}
const valid = { accessToken: 'valid-access', accessTokenExpiresAt: '2026-03-05T10:45:00.000Z' };
const customerPath = `/v3/company/${REALM}/customer/58`;

describe('QuickBooks resolve', () => {
  it('reads each named entity with the valid token and maps it', async () => {
    stub.on('GET', customerPath, { body: fixture('customer.json') });
    stub.on('GET', `/v3/company/${REALM}/payment/190`, { body: fixture('payment.json') });

    const records = await resolve(
      [
        { entity: 'Customer', id: '58', account: REALM, operation: 'Update' },
        { entity: 'Payment', id: '190', account: REALM, operation: 'Create' },
      ],
      access(valid),
    );

    expect(stub.requests.map((r) => [r.method, r.url, r.headers.authorization, r.headers.accept])).toEqual([
      ['GET', `${customerPath}?minorversion=75`, 'Bearer valid-access', 'application/json'],
      ['GET', `/v3/company/${REALM}/payment/190?minorversion=75`, 'Bearer valid-access', 'application/json'],
    ]);
    expect(records.map((r) => [r.type, r.externalId])).toEqual([
      ['customer.upserted', '58'],
      ['payment.received', '190:146'],
      ['payment.received', '190:139'],
    ]);
    expect(saved).toEqual([]);
  });

  it('refreshes an expired token first, as Intuit documents, and saves the new and rotated tokens', async () => {
    stub.on('POST', '/oauth2/v1/tokens/bearer', { body: fixture('token.json') });
    stub.on('GET', customerPath, { body: fixture('customer.json') });

    const records = await resolve([{ entity: 'Customer', id: '58', account: REALM }], access({ accessToken: 'old-access', accessTokenExpiresAt: '2026-03-05T09:59:30.000Z' }));

    const [token, read] = stub.requests;
    expect(token).toMatchObject({ method: 'POST', url: '/oauth2/v1/tokens/bearer' });
    expect(token?.headers.authorization).toBe(`Basic ${Buffer.from('ABcd1234client:s3cr3t').toString('base64')}`);
    expect(token?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(token?.headers.accept).toBe('application/json');
    expect(token?.body).toBe('grant_type=refresh_token&refresh_token=AB11-old-refresh');
    expect(read?.headers.authorization).toBe('Bearer eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..refreshed-access-token');
    expect(saved).toEqual([
      {
        accessToken: 'eyJlbmMiOiJBMTI4Q0JDLUhTMjU2IiwiYWxnIjoiZGlyIn0..refreshed-access-token',
        accessTokenExpiresAt: '2026-03-05T11:00:00.000Z',
        refreshToken: 'AB11798764541Yv3vQmqaA4lXW0Uxh1vJ5kgrNzPzKz6Qm9rYt',
      },
    ]);
    expect(records).toHaveLength(1);
  });

  it('refreshes once when the API answers 401, then reads again', async () => {
    stub.on('POST', '/oauth2/v1/tokens/bearer', { body: fixture('token.json') });
    stub.on('GET', customerPath, (req) =>
      req.headers.authorization === 'Bearer valid-access'
        ? { status: 401, body: { Fault: { Error: [{ Message: 'message=AuthenticationFailed; errorCode=003200; statusCode=401', code: '3200' }], type: 'AUTHENTICATION' } } }
        : { body: fixture('customer.json') },
    );

    const records = await resolve([{ entity: 'Customer', id: '58', account: REALM }], access(valid));

    expect(stub.requests.map((r) => `${r.method} ${r.url.replace(/\?.*/, '')} ${r.headers.authorization?.slice(0, 12)}`)).toEqual([
      `GET ${customerPath} Bearer valid`,
      'POST /oauth2/v1/tokens/bearer Basic QUJjZD',
      `GET ${customerPath} Bearer eyJlb`,
    ]);
    expect(records.map((r) => r.externalId)).toEqual(['58']);
    expect(saved).toHaveLength(1);
  });

  it('gives up after one refresh when the API still answers 401', async () => {
    stub.on('POST', '/oauth2/v1/tokens/bearer', { body: fixture('token.json') });
    stub.on('GET', customerPath, { status: 401, body: { Fault: { type: 'AUTHENTICATION' } } });

    await expect(resolve([{ entity: 'Customer', id: '58', account: REALM }], access(valid))).rejects.toMatchObject({ code: 'provider_unauthorized', retryable: false, status: 401 });
    expect(stub.requests).toHaveLength(3);
  });

  it('answers provider_unauthorized, not retryable, when there is no refresh token', async () => {
    const noRefresh = { ...access({}), secrets: { clientId: 'c', clientSecret: 's' } };
    await expect(resolve([{ entity: 'Customer', id: '58', account: REALM }], noRefresh)).rejects.toEqual(
      new ProviderApiError('provider_unauthorized', 'The QuickBooks connection has no refresh token: connect it again.', false),
    );
    await expect(resolve([{ entity: 'Customer', id: '58', account: REALM }], noRefresh)).rejects.toMatchObject({ code: 'provider_unauthorized', retryable: false });
    expect(stub.requests).toEqual([]);
  });

  it('turns a refused refresh token (invalid_grant) into provider_unauthorized', async () => {
    stub.on('POST', '/oauth2/v1/tokens/bearer', { status: 400, body: { error: 'invalid_grant' } });
    await expect(resolve([{ entity: 'Customer', id: '58', account: REALM }], access({}))).rejects.toMatchObject({ code: 'provider_unauthorized', retryable: false, status: 400 });
  });

  it('answers a 500 as a retryable ProviderApiError', async () => {
    stub.on('GET', customerPath, { status: 500, body: { Fault: { type: 'SERVICE' } } });
    await expect(resolve([{ entity: 'Customer', id: '58', account: REALM }], access(valid))).rejects.toMatchObject({
      name: 'ProviderApiError',
      code: 'provider_unreachable',
      retryable: true,
      status: 500,
    });
  });

  it('takes the company from the settings when the reference has none, and skips another company', async () => {
    stub.on('GET', customerPath, { body: fixture('customer.json') });
    const records = await resolve(
      [
        { entity: 'Customer', id: '58' },
        { entity: 'Customer', id: '58', account: '1111' },
      ],
      access(valid),
    );
    expect(stub.requests.map((r) => r.url)).toEqual([`${customerPath}?minorversion=75`]);
    expect(records).toHaveLength(1);
  });
});

describe('QuickBooks reconcile', () => {
  it('pulls Change Data Capture since the last pull and maps every live entity', async () => {
    stub.on('GET', `/v3/company/${REALM}/cdc`, { body: fixture('cdc.json') });

    const { records, next } = await reconcile(access(valid), '2026-03-04T10:00:00.000Z');

    const [req] = stub.requests;
    const url = new URL(req?.url ?? '', stub.url);
    expect(url.pathname).toBe(`/v3/company/${REALM}/cdc`);
    expect(Object.fromEntries(url.searchParams)).toEqual({ entities: 'Customer,Invoice,Payment', changedSince: '2026-03-04T10:00:00.000Z', minorversion: '75' });
    expect(req?.headers.authorization).toBe('Bearer valid-access');
    expect(records).toStrictEqual([
      {
        type: 'customer.upserted',
        externalId: '64',
        data: { companyName: 'Rao Agro Foods', ownerName: 'Kavya Rao', mobile: '+91 99220 33445', email: 'kavya@raoagro.in', address: '14 MG Road', city: 'Pune', pincode: '411001', updatedAt: '2026-03-05T09:12:44+05:30' },
      },
      {
        type: 'invoice.created',
        externalId: '151',
        data: { customerExternalId: '64', number: '1047', date: '2026-03-05', currency: 'INR', total: 2_950_000, lines: [{ itemCode: '11', amount: 2_500_000 }], updatedAt: '2026-03-05T10:02:00+05:30' },
      },
      { type: 'payment.received', externalId: '193:146', data: { invoiceExternalId: '146', amount: 1_000_000, date: '2026-03-05' } },
    ]);
    expect(next).toBe('2026-03-05T10:00:00.000Z');
  });

  it('asks for 30 days at most, the longest Intuit keeps', async () => {
    stub.on('GET', `/v3/company/${REALM}/cdc`, { body: { CDCResponse: [{ QueryResponse: [] }], time: '2026-03-05T02:00:00.000-08:00' } });
    const { records } = await reconcile(access(valid), '2025-12-01T00:00:00.000Z');
    expect(new URL(stub.requests[0]?.url ?? '', stub.url).searchParams.get('changedSince')).toBe('2026-02-03T10:00:00.000Z');
    expect(records).toEqual([]);
  });

  it('answers a 503 as retryable', async () => {
    stub.on('GET', `/v3/company/${REALM}/cdc`, { status: 503, body: { Fault: { type: 'SERVICE' } } });
    await expect(reconcile(access(valid), '2026-03-04T10:00:00.000Z')).rejects.toMatchObject({ code: 'provider_unreachable', retryable: true, status: 503 });
  });

  it('points at Intuit production by default', () => {
    expect(defaultEndpoints).toEqual({ api: 'https://quickbooks.api.intuit.com', token: 'https://oauth.platform.intuit.com/oauth2/v1/tokens/bearer' });
  });
});

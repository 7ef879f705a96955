import { readFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startHttpStub, type HttpStub, type StubbedRequest } from '../../../../test/http-stub';
import { fetchHttp } from '../http';
import { defaultEndpoints, reconcile, resolve } from './zoho_books';
import type { ProviderAccess } from './types';

const fixture = (name: string): unknown => JSON.parse(readFileSync(new URL(`../../../../domain/integrations/zoho_books/fixtures/${name}`, import.meta.url), 'utf8'));
const ORG = '60012345678';
const NOW = new Date('2026-03-05T10:00:00.000Z');
const SINCE = '2026-03-01T04:30:00.000Z';
const INVOICE_118 = '1728491000000071001';
const INVOICE_111 = '1728491000000069001';
const PAYMENT = '1728491000000080001';

let stub: HttpStub;
let saved: Record<string, string>[];

beforeEach(async () => {
  stub = await startHttpStub();
  saved = [];
});
afterEach(() => stub.close());

function access(secrets: Record<string, string>): ProviderAccess {
  return {
    settings: { organizationId: ORG },
    secrets: { clientId: '1000.ABCDEF123456', clientSecret: 'zsecret', refreshToken: '1000.refresh.token', ...secrets },
    saveSecrets: async (patch) => void saved.push(patch),
    storeMedia: () => Promise.reject(new Error('this provider stores no media')),
    http: fetchHttp,
    now: NOW,
    endpoints: { api: stub.url, accounts: stub.url },
  };
}
const valid = { accessToken: '1000.valid', accessTokenExpiresAt: '2026-03-05T10:50:00.000Z' };

/** The recorded Zoho Books API: three modules, invoices over two pages, and the records read on their own. */
function recordedBooks() {
  stub.on('GET', '/books/v3/contacts', { body: fixture('list-contacts.json') });
  stub.on('GET', '/books/v3/invoices', (req) => ({ body: fixture(query(req).page === '2' ? 'list-invoices-page2.json' : 'list-invoices-page1.json') }));
  stub.on('GET', `/books/v3/invoices/${INVOICE_118}`, { body: { code: 0, message: 'success', ...(fixture('webhook-invoice.json') as object) } });
  stub.on('GET', `/books/v3/invoices/${INVOICE_111}`, { body: fixture('invoice-111.json') });
  stub.on('GET', '/books/v3/customerpayments', { body: fixture('list-customerpayments.json') });
  stub.on('GET', `/books/v3/customerpayments/${PAYMENT}`, { body: fixture('payment-detail.json') });
}
const query = (req: StubbedRequest) => Object.fromEntries(new URL(req.url, 'http://stub').searchParams);
const path = (req: StubbedRequest) => req.url.replace(/\?.*/, '');

describe('Zoho Books reconcile', () => {
  it('lists each module modified since the last pull, page by page, reads what the lists leave out, and maps it all', async () => {
    recordedBooks();

    const { records, next } = await reconcile(access(valid), SINCE);

    expect(stub.requests.map((r) => [path(r), query(r)])).toEqual([
      ['/books/v3/contacts', { organization_id: ORG, last_modified_time: '2026-03-01T04:30:00+0000', page: '1', per_page: '200' }],
      ['/books/v3/invoices', { organization_id: ORG, last_modified_time: '2026-03-01T04:30:00+0000', page: '1', per_page: '200' }],
      [`/books/v3/invoices/${INVOICE_118}`, { organization_id: ORG }],
      ['/books/v3/invoices', { organization_id: ORG, last_modified_time: '2026-03-01T04:30:00+0000', page: '2', per_page: '200' }],
      [`/books/v3/invoices/${INVOICE_111}`, { organization_id: ORG }],
      ['/books/v3/customerpayments', { organization_id: ORG, last_modified_time: '2026-03-01T04:30:00+0000', page: '1', per_page: '200' }],
      [`/books/v3/customerpayments/${PAYMENT}`, { organization_id: ORG }],
    ]);
    expect(stub.requests.every((r) => r.headers.authorization === 'Zoho-oauthtoken 1000.valid')).toBe(true);
    expect(records.map((r) => [r.type, r.externalId])).toEqual([
      ['customer.upserted', '1728491000000064001'],
      ['customer.upserted', '1728491000000066001'],
      ['invoice.created', INVOICE_118],
      ['invoice.created', INVOICE_111],
      ['payment.received', `${PAYMENT}:${INVOICE_118}`],
      ['payment.received', `${PAYMENT}:${INVOICE_111}`],
    ]);
    expect(records[3]).toStrictEqual({
      type: 'invoice.created',
      externalId: INVOICE_111,
      data: { customerExternalId: '1728491000000066001', number: 'INV-000111', date: '2026-02-20', currency: 'INR', total: 5_900_000, lines: [{ itemCode: '1728491000000052015', description: 'Sensor with 2-year warranty', amount: 5_000_000 }], updatedAt: '2026-03-04T10:02:11+05:30' },
    });
    expect(records[5]).toStrictEqual({ type: 'payment.received', externalId: `${PAYMENT}:${INVOICE_111}`, data: { invoiceExternalId: INVOICE_111, amount: 3_199_950, date: '2026-03-04' } });
    expect(next).toBe('2026-03-05T10:00:00.000Z');
    expect(saved).toEqual([]);
  });

  it('refreshes an expired token first, as Zoho documents, and saves the new token and its expiry', async () => {
    recordedBooks();
    stub.on('POST', '/oauth/v2/token', { body: fixture('token.json') });

    await reconcile(access({ accessToken: '1000.old', accessTokenExpiresAt: '2026-03-05T09:00:00.000Z' }), SINCE);

    const [token, first] = stub.requests;
    expect(token).toMatchObject({ method: 'POST', url: '/oauth/v2/token' });
    expect(token?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(Object.fromEntries(new URLSearchParams(token?.body))).toEqual({ refresh_token: '1000.refresh.token', client_id: '1000.ABCDEF123456', client_secret: 'zsecret', grant_type: 'refresh_token' });
    expect(first?.headers.authorization).toBe('Zoho-oauthtoken 1000.2370ff8e7a1b4c6d8e9f0a1b2c3d4e5f.refreshed0123456789abcdef');
    expect(saved).toEqual([{ accessToken: '1000.2370ff8e7a1b4c6d8e9f0a1b2c3d4e5f.refreshed0123456789abcdef', accessTokenExpiresAt: '2026-03-05T11:00:00.000Z' }]);
    expect(stub.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
  });

  it('refreshes once on a 401 and carries on with the new token', async () => {
    recordedBooks();
    stub.on('POST', '/oauth/v2/token', { body: fixture('token.json') });
    stub.on('GET', '/books/v3/contacts', (req) =>
      req.headers.authorization === 'Zoho-oauthtoken 1000.valid' ? { status: 401, body: { code: 57, message: 'You are not authorized to perform this operation' } } : { body: fixture('list-contacts.json') },
    );

    const { records } = await reconcile(access(valid), SINCE);

    expect(stub.requests.slice(0, 3).map((r) => `${r.method} ${path(r)}`)).toEqual(['GET /books/v3/contacts', 'POST /oauth/v2/token', 'GET /books/v3/contacts']);
    expect(records).toHaveLength(6);
    expect(saved).toHaveLength(1);
  });

  it('answers provider_unauthorized when Zoho refuses the refresh token with 200 {"error":"invalid_code"}', async () => {
    stub.on('POST', '/oauth/v2/token', { body: { error: 'invalid_code' } });
    await expect(reconcile(access({}), SINCE)).rejects.toMatchObject({ code: 'provider_unauthorized', retryable: false, message: 'Zoho refused the refresh token (invalid_code): connect it again.' });
    expect(saved).toEqual([]);
  });

  it('answers provider_unauthorized, not retryable, when there is no refresh token', async () => {
    const noRefresh = { ...access({}), secrets: { clientId: 'c', clientSecret: 's' } };
    await expect(reconcile(noRefresh, SINCE)).rejects.toMatchObject({ code: 'provider_unauthorized', retryable: false });
    expect(stub.requests).toEqual([]);
  });

  it('answers a 500 as a retryable ProviderApiError', async () => {
    stub.on('GET', '/books/v3/contacts', { status: 500, body: { code: 1, message: 'Internal error' } });
    await expect(reconcile(access(valid), SINCE)).rejects.toMatchObject({ name: 'ProviderApiError', code: 'provider_unreachable', retryable: true, status: 500 });
  });

  it('answers a non-zero Zoho code as a refusal', async () => {
    stub.on('GET', '/books/v3/contacts', { status: 400, body: { code: 6041, message: 'This organization is not part of this data centre.' } });
    await expect(reconcile(access(valid), SINCE)).rejects.toMatchObject({ code: 'provider_refused', retryable: false, status: 400 });
  });

  it('stops a list that never ends', async () => {
    stub.on('GET', '/books/v3/contacts', { body: { code: 0, message: 'success', contacts: [], page_context: { page: 1, per_page: 200, has_more_page: true } } });
    await expect(reconcile(access(valid), SINCE)).rejects.toMatchObject({ code: 'provider_bad_response', message: 'Zoho Books kept answering has_more_page for contacts after 50 pages.' });
    expect(stub.requests).toHaveLength(50);
  });

  it('points at the India data centre by default', () => {
    expect(defaultEndpoints).toEqual({ api: 'https://www.zohoapis.in', accounts: 'https://accounts.zoho.in' });
  });
});

describe('Zoho Books resolve', () => {
  it('reads an invoice a webhook sent without its line items', async () => {
    recordedBooks();
    const records = await resolve([{ entity: 'invoice', id: INVOICE_118 }], access(valid));
    expect(stub.requests.map((r) => r.url)).toEqual([`/books/v3/invoices/${INVOICE_118}?organization_id=${ORG}`]);
    expect(records.map((r) => [r.type, r.externalId])).toEqual([['invoice.created', INVOICE_118]]);
  });
});

import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startHttpStub, type HttpStub } from '../../../../test/http-stub';
import type { FetchRef } from '../../../../domain/integrations/canonical';
import { parseDelivery } from '../../../../domain/integrations/facebook_lead_ads/mapper';
import { fetchHttp, ProviderApiError } from '../http';
import { appsecretProof, defaultEndpoints, GRAPH_VERSION, resolve } from './facebook_lead_ads';
import type { ProviderAccess } from './types';

const fixture = (name: string) => readFileSync(new URL(`../../../../domain/integrations/facebook_lead_ads/fixtures/${name}`, import.meta.url), 'utf8');

const TOKEN = 'EAAGm0PX4ZCpsBAPageToken';
const APP_SECRET = 'app-secret-123';
// openssl: printf EAAGm0PX4ZCpsBAPageToken | openssl dgst -sha256 -hmac app-secret-123
const PROOF = 'e5f637f814e2eb988e8810a8ebd4d20f7a8c6f50c90dc1da5f6a213c1f9ceced';
const LEAD_PATH = '/v26.0/1958340478236214';

let stub: HttpStub;
beforeAll(async () => {
  stub = await startHttpStub();
});
afterAll(() => stub.close());
beforeEach(() => {
  stub.requests.length = 0;
});

const access = (overrides: Partial<ProviderAccess> = {}): ProviderAccess => ({
  settings: { forms: { '793235552669212': { productId: 'prod_solar' } } },
  secrets: { accessToken: TOKEN, appSecret: APP_SECRET },
  saveSecrets: async () => {},
  storeMedia: () => Promise.reject(new Error('this provider stores no media')),
  http: fetchHttp,
  now: new Date('2026-11-30T10:00:05Z'),
  endpoints: { graph: stub.url },
  ...overrides,
});

const refs = (): FetchRef[] => parseDelivery(fixture('leadgen-webhook.json')).fetches;

describe('facebook_lead_ads resolve', () => {
  it('reads the lead from the pinned Graph version with the Page token and appsecret_proof, and maps it', async () => {
    stub.on('GET', LEAD_PATH, { body: JSON.parse(fixture('lead.json')) });

    const records = await resolve(refs(), access());

    expect(stub.requests).toHaveLength(1);
    const sent = new URL(stub.requests[0]!.url, stub.url);
    expect(stub.requests[0]!.method).toBe('GET');
    expect(sent.pathname).toBe(LEAD_PATH);
    expect(Object.fromEntries(sent.searchParams)).toEqual({ access_token: TOKEN, fields: 'id,created_time,ad_id,form_id,field_data', appsecret_proof: PROOF });
    expect(records).toEqual([
      {
        type: 'lead.received',
        externalId: '1958340478236214',
        data: {
          companyName: 'Rao Traders',
          ownerName: 'Anita Rao',
          mobile: '+919876543210',
          email: 'anita.rao@example.in',
          city: 'Bengaluru',
          pincode: '560001',
          productId: 'prod_solar',
          formId: '793235552669212',
          receivedAt: '2026-11-30T10:00:00.000Z',
          answers: {
            full_name: 'Anita Rao',
            phone_number: '+919876543210',
            email: 'anita.rao@example.in',
            company_name: 'Rao Traders',
            city: 'Bengaluru',
            post_code: '560 001',
            'which_plan_are_you_interested_in?': 'Annual',
          },
        },
      },
    ]);
  });

  it('sends no appsecret_proof when the connection has no app secret', async () => {
    stub.on('GET', LEAD_PATH, { body: JSON.parse(fixture('lead.json')) });
    await resolve(refs(), access({ secrets: { accessToken: TOKEN } }));
    expect(new URL(stub.requests[0]!.url, stub.url).searchParams.has('appsecret_proof')).toBe(false);
  });

  it('keeps the form the notification named when Graph’s answer leaves form_id out', async () => {
    stub.on('GET', '/v26.0/243870422662760', { body: JSON.parse(fixture('lead.2016-sample.json')) });
    const ref: FetchRef = { entity: 'lead', id: '243870422662760', account: '1', hints: { formId: '793235552669212' } };
    const [record] = await resolve([ref], access());
    expect(record?.data).toMatchObject({ productId: 'prod_solar', formId: '793235552669212', ownerName: 'Tom Cook' });
  });

  it('turns a 400 Graph error into a refusal that is not retried, without the token', async () => {
    stub.on('GET', LEAD_PATH, { status: 400, body: JSON.parse(fixture('graph-error.unsupported-get.json')) });
    const error = await resolve(refs(), access()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderApiError);
    expect(error).toMatchObject({
      code: 'provider_refused',
      retryable: false,
      status: 400,
      message: `GET ${stub.url}${LEAD_PATH}?… answered 400 (GraphMethodException, code 100, subcode 33, fbtrace_id AbCdEfGhIjK)`,
    });
    expect(JSON.stringify(error) + String((error as Error).message) + String((error as Error).stack)).not.toContain(TOKEN);
    expect(String((error as Error).message)).not.toContain(PROOF);
  });

  it('retries a 500, and a 4xx Graph calls transient', async () => {
    stub.on('GET', LEAD_PATH, { status: 500, body: { error: { message: 'An unknown error occurred', type: 'OAuthException', code: 1 } } });
    await expect(resolve(refs(), access())).rejects.toMatchObject({ name: 'ProviderApiError', code: 'provider_unreachable', retryable: true, status: 500 });

    stub.on('GET', LEAD_PATH, { status: 400, body: JSON.parse(fixture('graph-error.transient.json')) });
    await expect(resolve(refs(), access())).rejects.toMatchObject({ code: 'provider_unreachable', retryable: true, status: 400 });
  });

  it('says the token must be renewed when Graph answers code 190', async () => {
    stub.on('GET', LEAD_PATH, { status: 400, body: { error: { message: `Error validating access token: ${TOKEN} has expired`, type: 'OAuthException', code: 190, error_subcode: 463, fbtrace_id: 'X1' } } });
    const error = await resolve(refs(), access()).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'provider_unauthorized', retryable: false, message: `GET ${stub.url}${LEAD_PATH}?… answered 400 (OAuthException, code 190, subcode 463, fbtrace_id X1)` });
    expect(String((error as Error).message)).not.toContain(TOKEN);
  });

  it('fails without a Page token, before calling Graph', async () => {
    await expect(resolve(refs(), access({ secrets: {} }))).rejects.toMatchObject({ code: 'provider_unauthorized', retryable: false });
    expect(stub.requests).toHaveLength(0);
  });

  it('fails a lead from an unmapped form as a MappingError, and invalid settings before any call', async () => {
    stub.on('GET', LEAD_PATH, { body: JSON.parse(fixture('lead.json')) });
    await expect(resolve(refs(), access({ settings: { forms: {} } }))).rejects.toMatchObject({ name: 'MappingError', code: 'unmapped_form' });
    stub.requests.length = 0;
    await expect(resolve(refs(), access({ settings: { forms: { abc: {} } } }))).rejects.toMatchObject({ name: 'MappingError', code: 'invalid_settings' });
    expect(stub.requests).toHaveLength(0);
  });

  it('calls a body that is not JSON a bad response', async () => {
    stub.on('GET', LEAD_PATH, { body: '<html>oops</html>' });
    await expect(resolve(refs(), access())).rejects.toMatchObject({ code: 'provider_bad_response', retryable: false });
  });
});

describe('facebook_lead_ads constants', () => {
  it('pins Graph v26.0 on graph.facebook.com', () => {
    expect(GRAPH_VERSION).toBe('v26.0');
    expect(defaultEndpoints).toEqual({ graph: 'https://graph.facebook.com' });
  });

  it('computes appsecret_proof as Meta documents (hex HMAC-SHA256 of the token, keyed with the app secret)', () => {
    expect(appsecretProof(TOKEN, APP_SECRET)).toBe(PROOF);
  });
});

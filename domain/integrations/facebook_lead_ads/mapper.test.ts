import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CanonicalRecord, MappingError } from '../canonical';
import { FacebookLeadAdsSettings, instantOf, mapLead, parseDelivery, parseGraphJson } from './mapper';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const leadFixture = () => JSON.parse(fixture('lead.json')) as Record<string, unknown>;

const settings = (overrides: Partial<FacebookLeadAdsSettings> = {}): FacebookLeadAdsSettings =>
  FacebookLeadAdsSettings.parse({ forms: { '793235552669212': { productId: 'prod_solar' } }, ...overrides });

const mappingError = (code: string) => expect.objectContaining({ name: 'MappingError', code });

describe('parseDelivery: the Page leadgen webhook', () => {
  it('names the lead to fetch, with its page, time, form and ad', () => {
    expect(parseDelivery(fixture('leadgen-webhook.json'))).toEqual({
      records: [],
      fetches: [
        {
          entity: 'lead',
          id: '1958340478236214',
          account: '724302907610309',
          at: '2026-11-30T10:00:00.000Z',
          hints: { formId: '793235552669212', adId: '120212669955550254' },
        },
      ],
    });
  });

  it('keeps numeric ids above 2^53 digit for digit (Meta’s older samples send numbers)', () => {
    expect(parseDelivery(fixture('leadgen-webhook.numeric-ids.json')).fetches).toEqual([
      { entity: 'lead', id: '55459717045641545', account: '516540199134611', at: '2015-11-12T15:27:06.000Z', hints: { formId: '551111744595541', adId: '0' } },
    ]);
  });

  it('fetches a lead named twice in one body once, and takes the page from the entry when the change omits it', () => {
    const body = JSON.stringify({
      object: 'page',
      entry: [
        { id: '111', time: 1796032802, changes: [{ field: 'leadgen', value: { leadgen_id: '9001', created_time: 1796032800 } }, { field: 'leadgen', value: { leadgen_id: '9001', created_time: 1796032800 } }] },
      ],
    });
    expect(parseDelivery(body).fetches).toEqual([{ entity: 'lead', id: '9001', account: '111', at: '2026-11-30T10:00:00.000Z', hints: {} }]);
  });

  it('ignores other objects and other Page fields, saying why', () => {
    expect(parseDelivery(JSON.stringify({ object: 'whatsapp_business_account', entry: [] }))).toEqual({
      records: [],
      fetches: [],
      ignored: [{ what: 'object whatsapp_business_account', reason: 'not a Page notification' }],
    });
    expect(parseDelivery(JSON.stringify({ object: 'page', entry: [{ id: '111', time: 1, changes: [{ field: 'feed', value: { item: 'status' } }] }] }))).toEqual({
      records: [],
      fetches: [],
      ignored: [{ what: 'page 111 feed', reason: 'only leadgen changes are acted on' }],
    });
  });

  it('refuses what is not a webhook notification as malformed_payload', () => {
    for (const body of ['not json', '[]', 'null', '{"object":"page"}', '{"object":"page","entry":{}}', '{"object":"page","entry":[{"changes":[{"field":"leadgen","value":{"page_id":"1"}}]}]}']) {
      expect(() => parseDelivery(body), body).toThrow(mappingError('malformed_payload'));
    }
  });
});

describe('instantOf: Meta’s times as ISO-8601 UTC', () => {
  it('reads Unix seconds and Graph’s +0000 offsets', () => {
    expect(instantOf(1796032800)).toBe('2026-11-30T10:00:00.000Z');
    expect(instantOf('1796032800')).toBe('2026-11-30T10:00:00.000Z');
    expect(instantOf('2026-11-30T10:00:00+0000')).toBe('2026-11-30T10:00:00.000Z');
    expect(instantOf('2026-11-30T15:30:00+0530')).toBe('2026-11-30T10:00:00.000Z');
    expect(instantOf('2026-11-30T10:00:00Z')).toBe('2026-11-30T10:00:00.000Z');
  });

  it('is undefined for what is not a time', () => {
    expect(instantOf('yesterday')).toBeUndefined();
    expect(instantOf('2026-13-45T10:00:00+0000')).toBeUndefined();
    expect(instantOf(1e300)).toBeUndefined();
  });
});

describe('mapLead: a Graph API lead → lead.received', () => {
  it('maps Meta’s standard questions, keeps every answer and takes the form’s product', () => {
    const record = mapLead(leadFixture(), settings());
    expect(record).toEqual({
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
    });
    // What the appliers validate: the mapper's output is a canonical record as it stands.
    expect(CanonicalRecord.safeParse(record).success).toBe(true);
  });

  it('falls back to the person’s name for the company, and to the default product for an unlisted form', () => {
    const record = mapLead(JSON.parse(fixture('lead.2016-sample.json')), settings({ defaultProductId: 'prod_default' }));
    expect(record).toEqual({
      type: 'lead.received',
      externalId: '243870422662760',
      data: {
        companyName: 'Tom Cook',
        ownerName: 'Tom Cook',
        email: 'tom_cook@gmail.com',
        productId: 'prod_default',
        receivedAt: '2016-06-22T09:29:50.000Z',
        answers: { email: 'tom_cook@gmail.com', 'phone_number_(eg.65xxxxxxxx)': '6552467291', full_name: 'Tom Cook' },
      },
    });
  });

  it('maps a form’s own question keys over the defaults', () => {
    const s = settings({ forms: { '243870422662760': { productId: 'prod_x' }, '793235552669212': { productId: 'prod_solar', fields: { 'phone_number_(eg.65xxxxxxxx)': 'mobile' } } } });
    const record = mapLead({ ...JSON.parse(fixture('lead.2016-sample.json')), form_id: '793235552669212' }, s);
    expect(record.data).toMatchObject({ mobile: '6552467291', productId: 'prod_solar', formId: '793235552669212' });
  });

  it('joins first_name and last_name when the form asks those instead of full_name', () => {
    const lead = { id: '1', created_time: '2026-11-30T10:00:00+0000', form_id: '793235552669212', field_data: [{ name: 'first_name', values: ['Ravi'] }, { name: 'last_name', values: ['Kumar'] }, { name: 'phone_number', values: ['+919812345678'] }] };
    expect(mapLead(lead, settings()).data).toMatchObject({ ownerName: 'Ravi Kumar', companyName: 'Ravi Kumar', mobile: '+919812345678' });
  });

  it('leaves a field empty when the answer does not fit it, keeping the answer', () => {
    const lead = { id: '2', created_time: '2026-11-30T10:00:00+0000', form_id: '793235552669212', field_data: [{ name: 'email', values: ['not-an-email'] }, { name: 'zip_code', values: ['94025-1234'] }, { name: 'full_name', values: ['A B'] }] };
    expect(mapLead(lead, settings()).data).toEqual({
      companyName: 'A B',
      ownerName: 'A B',
      productId: 'prod_solar',
      formId: '793235552669212',
      receivedAt: '2026-11-30T10:00:00.000Z',
      answers: { email: 'not-an-email', zip_code: '94025-1234', full_name: 'A B' },
    });
  });

  it('joins a multiple-choice answer’s values and cuts an overlong answer to 2000 characters', () => {
    const long = 'x'.repeat(2500);
    const lead = { id: '3', created_time: '2026-11-30T10:00:00+0000', form_id: '793235552669212', field_data: [{ name: 'interests', values: ['Solar', 'Battery'] }, { name: 'notes', values: [long] }, { name: 'blank', values: [''] }] };
    expect(mapLead(lead, settings()).data.answers).toEqual({ interests: 'Solar, Battery', notes: 'x'.repeat(2000) });
  });

  it('fails a lead from a form with no product and no default as unmapped_form', () => {
    expect(() => mapLead({ ...leadFixture(), form_id: '555' }, settings())).toThrow(mappingError('unmapped_form'));
    expect(() => mapLead({ ...leadFixture(), form_id: '555' }, settings())).toThrow(
      "Lead 1958340478236214 is from Lead Ads form 555, which the connection does not map to a product: add the form to its settings' forms, or set defaultProductId.",
    );
  });

  it('fails a lead that is not in Meta’s shape as malformed_lead', () => {
    expect(() => mapLead({ id: 'abc', created_time: '2026-11-30T10:00:00+0000' }, settings())).toThrow(mappingError('malformed_lead'));
    expect(() => mapLead({ ...leadFixture(), created_time: 'soon' }, settings())).toThrow(mappingError('malformed_lead'));
    expect(() => mapLead('nope', settings())).toThrow(MappingError);
  });
});

describe('FacebookLeadAdsSettings', () => {
  it('defaults forms to none and refuses unknown keys and non-numeric form ids', () => {
    expect(FacebookLeadAdsSettings.parse({})).toEqual({ forms: {} });
    expect(FacebookLeadAdsSettings.safeParse({ forms: {}, appSecret: 'x' }).success).toBe(false);
    expect(FacebookLeadAdsSettings.safeParse({ forms: { 'form-1': { productId: 'p' } } }).success).toBe(false);
    expect(FacebookLeadAdsSettings.safeParse({ forms: { '1': { productId: 'p', fields: { full_name: 'gstin' } } } }).success).toBe(false);
  });
});

describe('parseGraphJson', () => {
  it('keeps only id-like numbers as strings', () => {
    expect(parseGraphJson('{"id":55459717045641545,"time":1447342027,"nested":{"form_id":12}}')).toEqual({ id: '55459717045641545', time: 1447342027, nested: { form_id: '12' } });
  });
});

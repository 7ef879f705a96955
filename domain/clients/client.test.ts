import { describe, expect, it } from 'vitest';
import { fieldErrorsOf } from '../validation';
import { ClientInput, normaliseEmail, normalisePhone, searchableName } from './client';
import { newClient } from './new-client';

const createdAt = new Date('2026-03-02T04:30:00.000Z');

const aClientInput = (overrides: Partial<ClientInput> = {}): ClientInput => ({
  companyName: 'Sree Durga Jewellers',
  ownerName: 'Ravi Kumar',
  mobile: '98470 12345',
  ...overrides,
});

const aContext = (overrides: Partial<Parameters<typeof newClient>[1]> = {}) => ({ id: 'client-1', staffId: 'tse-1', now: createdAt, ...overrides });

const inputErrors = (raw: unknown) => {
  const result = ClientInput.safeParse(raw);
  return result.success ? [] : fieldErrorsOf(result.error, 'body');
};

const invalidPhone = (field: string) => ({ field, code: 'invalid_phone', message: 'is not a valid phone number' });

describe('normalisePhone', () => {
  it.each([
    ['98470 12345', '+919847012345'],
    ['09847012345', '+919847012345'],
    ['919847012345', '+919847012345'],
    ['+91 98470 12345', '+919847012345'],
    ['+91-98470-12345', '+919847012345'],
    ['0484 2345678', '+914842345678'],
  ])('reads %s in India by default as %s', (raw, e164) => {
    expect(normalisePhone('body.mobile', raw)).toEqual({ ok: true, value: e164 });
  });

  it.each([
    ['+1 415 555 2671', '+14155552671'],
    ['+44 20 7946 0958', '+442079460958'],
  ])('keeps the country of a number with a + prefix: %s → %s', (raw, e164) => {
    expect(normalisePhone('body.mobile', raw)).toEqual({ ok: true, value: e164 });
  });

  it('reads a number without a prefix in the tenant default country', () => {
    expect(normalisePhone('body.mobile', '(415) 555-2671', 'US')).toEqual({ ok: true, value: '+14155552671' });
    expect(normalisePhone('body.mobile', '09847012345', 'US')).toEqual({ ok: false, error: invalidPhone('body.mobile') });
  });

  it.each(['12345', 'abc', '', '+91 12345', '98470 1234'])('refuses %j with a field error on the field it is given', (raw) => {
    expect(normalisePhone('body.whatsapp', raw)).toEqual({ ok: false, error: invalidPhone('body.whatsapp') });
  });
});

describe('normaliseEmail and searchableName', () => {
  it('lower-cases and trims an email', () => {
    expect(normaliseEmail('  Ravi.K@Example.COM ')).toBe('ravi.k@example.com');
  });

  it('lower-cases a name and collapses its spaces for search', () => {
    expect(searchableName('  Sree   Durga\tJewellers ')).toBe('sree durga jewellers');
  });
});

describe('newClient', () => {
  it('creates a client with E.164 phones, a lower-cased email and version 1', () => {
    expect(
      newClient(
        aClientInput({
          whatsapp: '+91 94470 54321',
          email: 'Ravi.K@Example.COM',
          address: 'MG Road, Kochi',
          landmark: 'Opposite the bus stand',
          geo: { lat: 9.9816, lng: 76.2999 },
        }),
        aContext(),
      ),
    ).toEqual({
      id: 'client-1',
      companyName: 'Sree Durga Jewellers',
      ownerName: 'Ravi Kumar',
      mobile: '+919847012345',
      whatsapp: '+919447054321',
      email: 'ravi.k@example.com',
      address: 'MG Road, Kochi',
      landmark: 'Opposite the bus stand',
      geo: { lat: 9.9816, lng: 76.2999 },
      createdBy: 'tse-1',
      createdAt: '2026-03-02T04:30:00.000Z',
      updatedBy: 'tse-1',
      updatedAt: '2026-03-02T04:30:00.000Z',
      version: 1,
    });
  });

  it('leaves out optional fields that were not given', () => {
    expect(newClient(aClientInput(), aContext())).toEqual({
      id: 'client-1',
      companyName: 'Sree Durga Jewellers',
      ownerName: 'Ravi Kumar',
      mobile: '+919847012345',
      createdBy: 'tse-1',
      createdAt: '2026-03-02T04:30:00.000Z',
      updatedBy: 'tse-1',
      updatedAt: '2026-03-02T04:30:00.000Z',
      version: 1,
    });
  });

  it('keeps a US number given with its +1 prefix', () => {
    expect(newClient(aClientInput({ mobile: '+1 415 555 2671' }), aContext()).mobile).toBe('+14155552671');
  });

  it('reads phones in the tenant default country', () => {
    expect(newClient(aClientInput({ mobile: '(415) 555-2671' }), aContext({ defaultCountry: 'US' })).mobile).toBe('+14155552671');
  });

  it('refuses an invalid mobile with 422 on body.mobile', () => {
    expect(() => newClient(aClientInput({ mobile: '12345' }), aContext())).toThrow(
      expect.objectContaining({ kind: 'invalid', code: 'validation_failed', details: { errors: [invalidPhone('body.mobile')] } }),
    );
  });

  it('refuses an invalid WhatsApp number with 422 on body.whatsapp', () => {
    expect(() => newClient(aClientInput({ whatsapp: 'not a phone' }), aContext())).toThrow(
      expect.objectContaining({ kind: 'invalid', code: 'validation_failed', details: { errors: [invalidPhone('body.whatsapp')] } }),
    );
  });

  it('names both phones when both are invalid', () => {
    expect(() => newClient(aClientInput({ mobile: '1', whatsapp: '2' }), aContext())).toThrow(
      expect.objectContaining({ details: { errors: [invalidPhone('body.mobile'), invalidPhone('body.whatsapp')] } }),
    );
  });
});

describe('ClientInput', () => {
  it('trims names and accepts an upper-case email', () => {
    expect(ClientInput.parse({ companyName: '  Sree Durga Jewellers ', ownerName: 'Ravi Kumar', mobile: '98470 12345', email: 'Ravi.K@Example.COM' })).toEqual({
      companyName: 'Sree Durga Jewellers',
      ownerName: 'Ravi Kumar',
      mobile: '98470 12345',
      email: 'Ravi.K@Example.COM',
    });
  });

  it('refuses unknown fields', () => {
    expect(inputErrors({ ...aClientInput(), tenantId: 'acme', gst: '32ABCDE1234F1Z5' })).toEqual([
      { field: 'body.tenantId', code: 'unknown_field', message: 'is not a known field' },
      { field: 'body.gst', code: 'unknown_field', message: 'is not a known field' },
    ]);
  });

  it('requires company name, owner name and mobile', () => {
    expect(inputErrors({})).toEqual([
      { field: 'body.companyName', code: 'invalid_type', message: 'is required' },
      { field: 'body.ownerName', code: 'invalid_type', message: 'is required' },
      { field: 'body.mobile', code: 'invalid_type', message: 'is required' },
    ]);
  });

  it('refuses a blank company name and an overlong owner name', () => {
    expect(inputErrors(aClientInput({ companyName: '   ', ownerName: 'x'.repeat(201) }))).toEqual([
      { field: 'body.companyName', code: 'too_small', message: 'must not be empty' },
      { field: 'body.ownerName', code: 'too_big', message: 'must be at most 200 characters' },
    ]);
  });

  it('refuses an email that is not an email address', () => {
    expect(inputErrors(aClientInput({ email: 'ravi at example' }))).toEqual([{ field: 'body.email', code: 'invalid_format', message: 'must be an email address' }]);
  });

  it('refuses a geo location out of range or with extra fields', () => {
    expect(inputErrors({ ...aClientInput(), geo: { lat: 91, lng: 76.3, alt: 3 } })).toEqual([
      { field: 'body.geo.lat', code: 'too_big', message: 'Too big: expected number to be <=90' },
      { field: 'body.geo.alt', code: 'unknown_field', message: 'is not a known field' },
    ]);
  });
});

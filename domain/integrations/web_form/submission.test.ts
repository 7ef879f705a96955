import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CanonicalRecord } from '../canonical';
import { originAllowed, parseSubmission, WebFormSettings } from './submission';

const JSON_TYPE = 'application/json';
const FORM_TYPE = 'application/x-www-form-urlencoded';
const AT = new Date('2026-11-30T10:00:00.000Z');

/** Most cases take a lead by mobile or email, to exercise both (the default asks for a mobile: see the defaults case). */
const settings = (overrides: Record<string, unknown> = {}): WebFormSettings =>
  WebFormSettings.parse({ productId: 'prod_solar', allowedOrigins: ['https://www.raosolar.in'], requireOneOf: ['mobile', 'email'], ...overrides });

const json = (fields: Record<string, unknown>) => JSON.stringify(fields);

describe('parseSubmission: a lead', () => {
  it('makes a lead.received record from a JSON body, with a hash id that dedupes a double-submit', () => {
    const body = json({ companyName: 'Rao Traders', ownerName: 'Anita Rao', mobile: '+91 98765 43210', email: 'Anita.Rao@Example.in', city: 'Bengaluru', pincode: '560 001', message: 'Need a quote for 5 kW', website: '' });
    const result = parseSubmission(body, 'application/json; charset=utf-8', settings(), AT, 'contact-us');
    expect(result).toEqual({
      ok: true,
      honeypot: false,
      record: {
        type: 'lead.received',
        // sha256 of ["contact-us","2026-11-30","rao traders","anita rao","919876543210","anita.rao@example.in","bengaluru","560001","need a quote for 5 kw"], 32 hex.
        externalId: 'wf_177e8c4d32014a132d54202482cd697f',
        data: {
          companyName: 'Rao Traders',
          ownerName: 'Anita Rao',
          mobile: '+91 98765 43210',
          email: 'Anita.Rao@Example.in',
          city: 'Bengaluru',
          pincode: '560001',
          productId: 'prod_solar',
          formId: 'contact-us',
          receivedAt: '2026-11-30T10:00:00.000Z',
          answers: { message: 'Need a quote for 5 kW' },
        },
      },
    });
    if (!result.ok || result.honeypot) throw new Error('expected a record');
    expect(CanonicalRecord.safeParse(result.record).success).toBe(true);

    // The same person, same day, typed differently: the same lead.
    const again = parseSubmission(json({ companyName: 'RAO  traders', ownerName: 'anita rao', mobile: '+919876543210', email: 'anita.rao@example.in ', city: 'bengaluru', pincode: '560001', message: 'need a quote for 5 kW' }), JSON_TYPE, settings(), new Date('2026-11-30T18:29:59Z'), 'contact-us');
    expect(again.ok && !again.honeypot && again.record.externalId).toBe('wf_177e8c4d32014a132d54202482cd697f');
    // A week later it is a new enquiry.
    const later = parseSubmission(body, JSON_TYPE, settings(), new Date('2026-12-07T10:00:00Z'), 'contact-us');
    expect(later.ok && !later.honeypot && later.record.externalId).not.toBe('wf_177e8c4d32014a132d54202482cd697f');
  });

  it('reads a urlencoded body through the form’s own names, and takes the caller’s submissionId', () => {
    const s = settings({ fields: { 'your-name': 'ownerName', 'your-phone': 'mobile' } });
    const result = parseSubmission('your-name=Ravi+Kumar&your-phone=09812345678&submissionId=sub_01HZX9&website=', FORM_TYPE, s, AT);
    expect(result).toEqual({
      ok: true,
      honeypot: false,
      record: { type: 'lead.received', externalId: 'sub_01HZX9', data: { companyName: 'Ravi Kumar', ownerName: 'Ravi Kumar', mobile: '09812345678', productId: 'prod_solar', receivedAt: '2026-11-30T10:00:00.000Z' } },
    });
  });

  it('treats blank inputs as absent', () => {
    const result = parseSubmission(json({ email: 'a@b.in', mobile: '', city: '  ', message: '' }), JSON_TYPE, settings(), AT);
    expect(result).toEqual({
      ok: true,
      honeypot: false,
      record: { type: 'lead.received', externalId: 'wf_f95a4510a4ca564a6cf7ee4811cee37b', data: { email: 'a@b.in', productId: 'prod_solar', receivedAt: '2026-11-30T10:00:00.000Z' } },
    });
  });
});

describe('parseSubmission: field errors', () => {
  it('lists every invalid field with its code, by the form’s own name', () => {
    const result = parseSubmission(
      json({ email: 'not-an-email', mobile: '12', pincode: '12345', ownerName: 'A\u202EB', colour: 'blue', city: 7 }),
      JSON_TYPE,
      settings(),
      AT,
    );
    expect(result).toEqual({
      ok: false,
      errors: [
        { field: 'body.email', code: 'invalid_format', message: 'must be an email address' },
        { field: 'body.mobile', code: 'invalid_phone', message: 'must be a phone number' },
        { field: 'body.pincode', code: 'invalid_format', message: 'must be a 6-digit Indian PIN code' },
        { field: 'body.ownerName', code: 'invalid_format', message: 'must not contain control, invisible formatting or line-break characters' },
        { field: 'body.colour', code: 'unknown_field', message: 'is not a field of this form' },
        { field: 'body.city', code: 'invalid_type', message: 'must be text' },
        { field: 'body', code: 'contact_required', message: 'must give at least one of mobile, email' },
      ],
    });
  });

  it('requires one of the configured contact fields, named as the form names them', () => {
    const s = settings({ fields: { 'your-phone': 'mobile' }, requireOneOf: ['mobile'] });
    expect(parseSubmission(json({ ownerName: 'Ravi', email: 'r@x.in' }), JSON_TYPE, s, AT)).toEqual({
      ok: false,
      errors: [{ field: 'body', code: 'contact_required', message: 'must give at least one of your-phone' }],
    });
  });

  it('refuses a name given twice in a urlencoded body, and two inputs filling one field', () => {
    expect(parseSubmission('email=a@b.in&email=c@d.in&email=e@f.in', FORM_TYPE, settings(), AT)).toEqual({
      ok: false,
      errors: [{ field: 'body.email', code: 'repeated_field', message: 'is given more than once' }],
    });
    expect(parseSubmission('email=a@b.in&work-email=c@d.in', FORM_TYPE, settings({ fields: { 'work-email': 'email' } }), AT)).toEqual({
      ok: false,
      errors: [{ field: 'body.work-email', code: 'duplicate_field', message: 'fills the same field as email' }],
    });
  });

  it('refuses more than 30 fields, values over 2000 characters and a malformed submissionId', () => {
    const many = Object.fromEntries(Array.from({ length: 31 }, (_, i) => [`f${i}`, 'x']));
    expect(parseSubmission(json(many), JSON_TYPE, settings(), AT)).toEqual({ ok: false, errors: [{ field: 'body', code: 'too_many_fields', message: 'must have at most 30 fields' }] });
    expect(parseSubmission(json({ email: 'a@b.in', message: 'x'.repeat(2001) }), JSON_TYPE, settings(), AT)).toEqual({
      ok: false,
      errors: [{ field: 'body.message', code: 'too_big', message: 'must be at most 2000 characters' }],
    });
    expect(parseSubmission(json({ email: 'a@b.in', submissionId: 'has spaces' }), JSON_TYPE, settings(), AT)).toEqual({
      ok: false,
      errors: [{ field: 'body.submissionId', code: 'invalid_submission_id', message: 'must be 1–64 letters, digits, _ or -' }],
    });
  });

  it('refuses bodies it cannot read', () => {
    expect(parseSubmission('{', JSON_TYPE, settings(), AT)).toEqual({ ok: false, errors: [{ field: 'body', code: 'malformed_body', message: 'is not valid JSON' }] });
    expect(parseSubmission('["a"]', JSON_TYPE, settings(), AT)).toEqual({ ok: false, errors: [{ field: 'body', code: 'malformed_body', message: 'must be a JSON object of the form’s fields' }] });
    expect(parseSubmission('email=a@b.in', 'multipart/form-data; boundary=x', settings(), AT)).toEqual({
      ok: false,
      errors: [{ field: 'body', code: 'unsupported_media_type', message: 'must be application/json or application/x-www-form-urlencoded' }],
    });
  });

  it('refuses __proto__ as an unknown field rather than touching a prototype', () => {
    expect(parseSubmission('{"__proto__":"x","email":"a@b.in"}', JSON_TYPE, settings(), AT)).toEqual({
      ok: false,
      errors: [{ field: 'body.__proto__', code: 'unknown_field', message: 'is not a field of this form' }],
    });
  });
});

describe('parseSubmission: the honeypot', () => {
  it('answers a filled honeypot as accepted, whatever else is wrong', () => {
    expect(parseSubmission(json({ website: 'http://spam.example', email: 'broken', colour: 'x' }), JSON_TYPE, settings(), AT)).toEqual({ ok: true, honeypot: true });
    expect(parseSubmission('hp=1&email=a@b.in', FORM_TYPE, settings({ honeypotField: 'hp' }), AT)).toEqual({ ok: true, honeypot: true });
    expect(parseSubmission('website=&website=x&email=a@b.in', FORM_TYPE, settings(), AT)).toEqual({ ok: true, honeypot: true });
  });

  it('property: any JSON object with a non-empty honeypot is never a record', () => {
    const nonEmpty = fc.oneof(
      fc.string({ minLength: 1 }).filter((s) => s.trim() !== ''),
      fc.integer(),
      fc.boolean(),
      fc.array(fc.string()),
      fc.dictionary(fc.string(), fc.string()),
    );
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 40 }), nonEmpty, fc.constantFrom('website', 'hp_field'), (fields, honeypot, honeypotField) => {
        const body = JSON.stringify({ ...fields, [honeypotField]: honeypot });
        const result = parseSubmission(body, JSON_TYPE, settings({ honeypotField }), AT);
        expect(result).toEqual({ ok: true, honeypot: true });
      }),
    );
  });
});

describe('WebFormSettings', () => {
  it('normalises origins and fills the defaults', () => {
    expect(WebFormSettings.parse({ productId: 'p', allowedOrigins: ['HTTPS://WWW.RaoSolar.in:443/', 'http://localhost:5173'] })).toEqual({
      productId: 'p',
      allowedOrigins: ['https://www.raosolar.in', 'http://localhost:5173'],
      honeypotField: 'website',
      requireOneOf: ['mobile'],
      perIpPerMinute: 5,
      perFormPerMinute: 120,
    });
  });

  it('refuses origins that are not https (but loopback), that have a path, query or credentials, and lists outside 1–10', () => {
    for (const origin of ['http://www.raosolar.in', 'https://www.raosolar.in/contact', 'https://www.raosolar.in?x', 'https://user:pw@raosolar.in', 'ftp://raosolar.in', 'http://10.0.0.1', 'raosolar.in', 'null']) {
      const result = WebFormSettings.safeParse({ productId: 'p', allowedOrigins: [origin] });
      expect(result.success, origin).toBe(false);
      expect(result.error?.issues[0]).toMatchObject({ path: ['allowedOrigins', 0], params: { code: 'invalid_origin' } });
    }
    expect(WebFormSettings.safeParse({ productId: 'p', allowedOrigins: [] }).success).toBe(false);
    expect(WebFormSettings.safeParse({ productId: 'p', allowedOrigins: Array.from({ length: 11 }, (_, i) => `https://a${i}.in`) }).success).toBe(false);
  });

  it('refuses a honeypot that is one of the form’s fields, unknown keys and a non-https redirect', () => {
    expect(WebFormSettings.safeParse({ productId: 'p', allowedOrigins: ['https://a.in'], honeypotField: 'email' }).error?.issues).toMatchObject([{ path: ['honeypotField'], params: { code: 'honeypot_collision' } }]);
    expect(WebFormSettings.safeParse({ productId: 'p', allowedOrigins: ['https://a.in'], fields: { hp: 'email' }, honeypotField: 'hp' }).success).toBe(false);
    expect(WebFormSettings.safeParse({ productId: 'p', allowedOrigins: ['https://a.in'], secret: 'x' }).success).toBe(false);
    expect(WebFormSettings.safeParse({ productId: 'p', allowedOrigins: ['https://a.in'], successRedirect: 'http://a.in/thanks' }).success).toBe(false);
    expect(WebFormSettings.safeParse({ productId: 'p', allowedOrigins: ['https://a.in'], successRedirect: 'https://a.in/thanks?from=form' }).success).toBe(true);
  });
});

describe('originAllowed', () => {
  const s = settings({ allowedOrigins: ['https://www.raosolar.in', 'https://forms.raosolar.in:8443', 'http://localhost:5173'] });

  it('accepts the listed origins under case, default-port and trailing-slash variations', () => {
    for (const origin of ['https://www.raosolar.in', 'HTTPS://WWW.RAOSOLAR.IN', 'https://www.raosolar.in:443', 'https://www.raosolar.in/', 'https://forms.raosolar.in:8443', 'http://localhost:5173']) {
      expect(originAllowed(origin, s), origin).toBe(true);
    }
  });

  it('refuses no origin, null, and every near miss', () => {
    for (const origin of [undefined, 'null', '', 'http://www.raosolar.in', 'https://raosolar.in', 'https://www.raosolar.in:8443', 'https://forms.raosolar.in', 'https://www.raosolar.in.evil.com', 'https://evil.com/https://www.raosolar.in', 'https://www.raosolar.in/path', 'http://localhost:5174', 'http://127.0.0.1:5173']) {
      expect(originAllowed(origin, s), String(origin)).toBe(false);
    }
  });

  it('property: never accepts an origin whose scheme, host or port is not listed', () => {
    const listed = ['https://www.raosolar.in', 'https://forms.raosolar.in:8443'];
    const host = fc.constantFrom('www.raosolar.in', 'forms.raosolar.in', 'raosolar.in', 'WWW.RAOSOLAR.IN', 'www.raosolar.in.', 'xn--rosolar-9ya.in', 'evil.in');
    const scheme = fc.constantFrom('https', 'http', 'HTTPS', 'wss');
    const port = fc.constantFrom('', ':443', ':80', ':8443', ':444', ':0443');
    const tail = fc.constantFrom('', '/', '//', '/x', '?', '#');
    fc.assert(
      fc.property(scheme, host, port, tail, (sc, h, p, t) => {
        const origin = `${sc}://${h}${p}${t}`;
        // The oracle, written out: the same scheme, host and port as a listed origin, and nothing after but one slash.
        const lowerScheme = sc.toLowerCase();
        const lowerHost = h.toLowerCase();
        const effectivePort = p === '' ? (lowerScheme === 'https' ? '443' : lowerScheme === 'http' ? '80' : '') : String(Number(p.slice(1)));
        const same =
          lowerScheme === 'https' &&
          (t === '' || t === '/') &&
          ((lowerHost === 'www.raosolar.in' && effectivePort === '443') || (lowerHost === 'forms.raosolar.in' && effectivePort === '8443'));
        expect(originAllowed(origin, { allowedOrigins: listed })).toBe(same);
      }),
      { numRuns: 500 },
    );
  });
});

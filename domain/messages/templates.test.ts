import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isVisible } from '../shared/schemas';
import {
  escapeHtml,
  parseTemplate,
  renderTemplate,
  sampleContext,
  segmentsOf,
  templateVariables,
  TemplateInput,
  validateTemplate,
  variablesOf,
  type RenderContext,
} from './templates';

/** An email template as parsed, with overrides. */
const anEmailTemplate = (overrides: Partial<TemplateInput> = {}): TemplateInput => ({
  name: 'demo-follow-up',
  channel: 'email',
  subject: 'Your {{opportunity.product}} demo, {{client.companyName}}',
  text: 'Dear {{client.ownerName}},\n\nThank you for your time in {{client.city}}. The {{opportunity.product}} plan is {{opportunity.value}}.\n\n{{staff.name}}',
  html: '<p>Dear {{client.ownerName}},</p><p>The {{ opportunity.product }} plan is <b>{{opportunity.value}}</b>.</p>',
  ...overrides,
});

const aWhatsappTemplate = (overrides: Partial<TemplateInput> = {}): TemplateInput => ({
  name: 'demo_reminder',
  channel: 'whatsapp',
  text: 'Hello {{client.ownerName}}, a reminder of your {{opportunity.product}} demo. Call me on {{staff.phone}}.',
  whatsapp: { templateName: 'demo_reminder', language: 'en_US', parameters: ['{{client.ownerName}}', '{{opportunity.product}} ({{opportunity.value}})'] },
  ...overrides,
});

const context = (overrides: Partial<RenderContext> = {}): RenderContext => ({
  client: { ownerName: 'Anitha Menon', companyName: 'Menon Jewellers', city: 'Thrissur' },
  opportunity: { productId: 'website', dealValue: 1_500_000 },
  product: { id: 'website', name: 'Website' },
  staff: { name: 'Rahul Nair', phone: '+919876543210' },
  ...overrides,
});

const invalidWith = (errors: { field: string; code: string; message?: string }[]) =>
  expect.objectContaining({ kind: 'invalid', code: 'validation_failed', details: { errors: errors.map((e) => expect.objectContaining(e)) } });

describe('templateVariables', () => {
  it('are the seven the issue names', () => {
    expect(templateVariables).toEqual(['client.ownerName', 'client.companyName', 'client.city', 'opportunity.product', 'opportunity.value', 'staff.name', 'staff.phone']);
  });
});

describe('segmentsOf', () => {
  it('splits literal text and variables, spaces inside the braces allowed', () => {
    expect(segmentsOf('Dear {{ client.ownerName }}, from {{staff.name}}')).toEqual({
      segments: [
        { kind: 'literal', text: 'Dear ' },
        { kind: 'variable', name: 'client.ownerName' },
        { kind: 'literal', text: ', from ' },
        { kind: 'variable', name: 'staff.name' },
      ],
      errors: [],
    });
  });

  it('keeps single braces as text', () => {
    expect(segmentsOf('a {b} c } { d')).toEqual({ segments: [{ kind: 'literal', text: 'a {b} c } { d' }], errors: [] });
  });

  it.each([
    ['{{ client.city', 'has "{{" with no "}}" after it (at character 1)'],
    ['Hi }} there', 'has "}}" with no "{{" before it (at character 4)'],
    ['{{client.city {{staff.name}}', 'has "{{" with no "}}" after it (at character 1)'],
    ['{{}}', 'has "{{}}", which is not a variable: write one of {{client.ownerName}}, {{client.companyName}}, {{client.city}}, {{opportunity.product}}, {{opportunity.value}}, {{staff.name}}, {{staff.phone}}'],
    ['{{{client.city}}}', 'has "{{{client.city}}", which is not a variable: write one of {{client.ownerName}}, {{client.companyName}}, {{client.city}}, {{opportunity.product}}, {{opportunity.value}}, {{staff.name}}, {{staff.phone}}'],
    ['{{client city}}', 'has "{{client city}}", which is not a variable: write one of {{client.ownerName}}, {{client.companyName}}, {{client.city}}, {{opportunity.product}}, {{opportunity.value}}, {{staff.name}}, {{staff.phone}}'],
  ])('%j is malformed: %s', (source, message) => {
    expect(segmentsOf(source).errors).toEqual([{ code: 'malformed_variable', message }]);
  });

  it("explains Meta's numbered placeholders", () => {
    expect(segmentsOf('Hello {{1}}').errors).toEqual([
      {
        code: 'malformed_variable',
        message:
          "has {{1}}, a placeholder of Meta's approved template: name one of our variables here ({{client.ownerName}}, {{client.companyName}}, {{client.city}}, {{opportunity.product}}, {{opportunity.value}}, {{staff.name}}, {{staff.phone}}) and fill Meta's {{1}} through whatsapp.parameters",
      },
    ]);
  });

  it('names an unknown variable', () => {
    expect(segmentsOf('{{client.email}} and {{ opportunity.stage }}').errors.map((e) => [e.code, e.message.split(',')[0]])).toEqual([
      ['unknown_variable', 'has {{client.email}}'],
      ['unknown_variable', 'has {{opportunity.stage}}'],
    ]);
  });

  it('reports every error of a part, and goes on after each', () => {
    expect(segmentsOf('}} {{client.x}} {{staff.name}} {{').errors.map((e) => e.code)).toEqual(['malformed_variable', 'unknown_variable', 'malformed_variable']);
  });
});

describe('TemplateInput and parseTemplate', () => {
  it('parses an email template', () => {
    expect(parseTemplate(anEmailTemplate())).toEqual(anEmailTemplate());
  });

  it('parses a WhatsApp template, parameters defaulting to none', () => {
    const { parameters: _, ...whatsapp } = aWhatsappTemplate().whatsapp!;
    expect(parseTemplate({ ...aWhatsappTemplate(), whatsapp })).toEqual({ ...aWhatsappTemplate(), whatsapp: { ...whatsapp, parameters: [] } });
  });

  it.each(['en', 'en_US', 'ml', 'pt_BR', 'fil'])('accepts the Meta language %s', (language) => {
    expect(TemplateInput.safeParse(aWhatsappTemplate({ whatsapp: { templateName: 'x', language, parameters: [] } })).success).toBe(true);
  });

  it.each(['EN', 'en-US', 'english', 'en_us'])('refuses the language %s', (language) => {
    expect(() => parseTemplate(aWhatsappTemplate({ whatsapp: { templateName: 'x', language, parameters: [] } }))).toThrow(
      invalidWith([{ field: 'body.whatsapp.language', code: 'invalid_format', message: 'must be a language code as Meta writes it, like en, en_US or ml' }]),
    );
  });

  it('refuses a Meta template name with upper case or hyphens', () => {
    expect(() => parseTemplate(aWhatsappTemplate({ whatsapp: { templateName: 'Demo-Reminder', language: 'en', parameters: [] } }))).toThrow(
      invalidWith([{ field: 'body.whatsapp.templateName', code: 'invalid_format' }]),
    );
  });

  it('refuses empty text, a name that is no slug and unknown fields, all at once', () => {
    expect(() => parseTemplate({ ...anEmailTemplate(), name: 'Demo Follow-up', text: ' \u200B ', cc: 'x' })).toThrow(
      invalidWith([
        { field: 'body.name', code: 'invalid_format' },
        { field: 'body.text', code: 'too_small', message: 'must not be empty' },
        { field: 'body.cc', code: 'unknown_field', message: 'is not a known field' },
      ]),
    );
  });

  it('refuses a subject with a line break (a header never carries one)', () => {
    expect(() => parseTemplate(anEmailTemplate({ subject: 'Hello\r\nBcc: everyone@example.com' }))).toThrow(invalidWith([{ field: 'body.subject', code: 'invalid_format' }]));
  });

  it('applies the template rules after the schema', () => {
    expect(() => parseTemplate(anEmailTemplate({ subject: undefined, text: 'Dear {{client.email}}' }))).toThrow(
      invalidWith([
        { field: 'body.subject', code: 'required' },
        { field: 'body.text', code: 'unknown_variable' },
      ]),
    );
  });
});

describe('validateTemplate', () => {
  it('finds nothing wrong with good templates', () => {
    expect(validateTemplate(anEmailTemplate())).toEqual([]);
    expect(validateTemplate(aWhatsappTemplate())).toEqual([]);
  });

  it('wants a subject on an email', () => {
    expect(validateTemplate(anEmailTemplate({ subject: undefined }))).toEqual([{ field: 'body.subject', code: 'required', message: 'is required for an email template' }]);
  });

  it('keeps each channel to its own parts', () => {
    expect(validateTemplate(anEmailTemplate({ whatsapp: aWhatsappTemplate().whatsapp }))).toEqual([{ field: 'body.whatsapp', code: 'not_applicable', message: 'belongs to a WhatsApp template, not an email one' }]);
    expect(validateTemplate(aWhatsappTemplate({ subject: 'Hi', html: '<p>Hi</p>' }))).toEqual([
      { field: 'body.subject', code: 'not_applicable', message: 'WhatsApp messages have no subject' },
      { field: 'body.html', code: 'not_applicable', message: 'WhatsApp messages have no HTML' },
    ]);
  });

  it("holds WhatsApp text to Meta's 4096 characters", () => {
    expect(validateTemplate(aWhatsappTemplate({ text: 'x'.repeat(4096) }))).toEqual([]);
    expect(validateTemplate(aWhatsappTemplate({ text: 'x'.repeat(4097) }))).toEqual([{ field: 'body.text', code: 'too_big', message: 'must be at most 4096 characters for WhatsApp' }]);
  });

  it.each(['<p></p>', '<div> <br> &nbsp; </div>', '<!-- {{client.city}} --><p>\u200B</p>'])('refuses HTML that shows nothing: %j', (html) => {
    expect(validateTemplate(anEmailTemplate({ html }))).toContainEqual({ field: 'body.html', code: 'empty', message: 'shows nothing: no text and no image once the tags are gone' });
  });

  it('accepts HTML that is only an image', () => {
    expect(validateTemplate(anEmailTemplate({ html: '<img src="https://cdn.example/banner.png" alt="">' }))).toEqual([]);
  });

  it('names the part of each variable error, WhatsApp parameters by index', () => {
    const errors = validateTemplate(
      anEmailTemplate({ subject: '{{client.x}}', html: '<p>{{ staff.name</p>' }),
    ).map((e) => [e.field, e.code]);
    expect(errors).toEqual([
      ['body.subject', 'unknown_variable'],
      ['body.html', 'malformed_variable'],
    ]);
    const whatsapp = { templateName: 'demo_reminder', language: 'en', parameters: ['{{client.ownerName}}', '{{1}}'] };
    expect(validateTemplate(aWhatsappTemplate({ whatsapp }), '').map((e) => [e.field, e.code])).toEqual([['whatsapp.parameters.1', 'malformed_variable']]);
  });
});

describe('variablesOf', () => {
  it('lists each variable once, in order of first use', () => {
    expect(variablesOf(anEmailTemplate())).toEqual(['opportunity.product', 'client.companyName', 'client.ownerName', 'client.city', 'opportunity.value', 'staff.name']);
    expect(variablesOf(aWhatsappTemplate())).toEqual(['client.ownerName', 'opportunity.product', 'staff.phone', 'opportunity.value']);
  });
});

describe('renderTemplate', () => {
  it('renders an email: values as they are in text, escaped in HTML', () => {
    expect(renderTemplate(anEmailTemplate(), context({ client: { ownerName: 'Anitha <Menon> & Sons', companyName: "Menon's \"Gold\"", city: 'Thrissur' } }))).toEqual({
      subject: 'Your Website demo, Menon\'s "Gold"',
      text: 'Dear Anitha <Menon> & Sons,\n\nThank you for your time in Thrissur. The Website plan is ₹15,000.\n\nRahul Nair',
      html: '<p>Dear Anitha &lt;Menon&gt; &amp; Sons,</p><p>The Website plan is <b>₹15,000</b>.</p>',
    });
  });

  it('renders a WhatsApp template with its parameters in order', () => {
    expect(renderTemplate(aWhatsappTemplate(), context())).toEqual({
      text: 'Hello Anitha Menon, a reminder of your Website demo. Call me on +919876543210.',
      whatsappParameters: ['Anitha Menon', 'Website (₹15,000)'],
    });
  });

  it("writes a parameter on one line with single spaces, as Meta requires", () => {
    const whatsapp = { templateName: 'x', language: 'en', parameters: ['{{client.companyName}}'] };
    expect(renderTemplate(aWhatsappTemplate({ text: 'Hi', whatsapp }), context({ client: { ownerName: 'A', companyName: 'Menon\tJewellers      Thrissur\nBranch' } })).whatsappParameters).toEqual(['Menon Jewellers Thrissur Branch']);
  });

  it('keeps a value on one line in the subject', () => {
    expect(renderTemplate(anEmailTemplate({ subject: 'For {{client.companyName}}' }), context({ client: { ownerName: 'A', companyName: 'Menon\r\nBcc: all@example.com', city: 'X' } })).subject).toBe('For Menon Bcc: all@example.com');
  });

  it('formats paise as rupees: ₹1,00,000 and ₹1.50', () => {
    const t = aWhatsappTemplate({ text: '{{opportunity.value}}', whatsapp: undefined });
    expect(renderTemplate(t, context({ opportunity: { productId: 'website', dealValue: 10_000_000 } })).text).toBe('₹1,00,000');
    expect(renderTemplate(t, context({ opportunity: { productId: 'website', dealValue: 150 } })).text).toBe('₹1.50');
  });

  it('expands in one pass: a value that holds {{…}} is written, not expanded', () => {
    const rendered = renderTemplate(anEmailTemplate({ subject: 'x', text: 'Hi {{client.ownerName}}', html: '<p>{{client.ownerName}}</p>' }), context({ client: { ownerName: '{{client.city}}', companyName: 'M', city: 'Thrissur' } }));
    expect(rendered.text).toBe('Hi {{client.city}}');
    expect(rendered.html).toBe('<p>&#123;&#123;client.city&#125;&#125;</p>');
  });

  it('names every variable without a value, once each, instead of writing an empty string', () => {
    expect(() => renderTemplate(anEmailTemplate(), context({ client: { ownerName: 'Anitha', companyName: 'Menon Jewellers' }, opportunity: undefined, product: undefined }))).toThrow(
      expect.objectContaining({
        kind: 'invalid',
        message: 'The template needs values this message does not have.',
        details: {
          errors: [
            { field: 'opportunity.product', code: 'missing_value', message: '{{opportunity.product}} has no value: the message is not sent for an opportunity' },
            { field: 'client.city', code: 'missing_value', message: '{{client.city}} has no value: the client has no city' },
            { field: 'opportunity.value', code: 'missing_value', message: '{{opportunity.value}} has no value: the message is not sent for an opportunity' },
          ],
        },
      }),
    );
  });

  it.each<[string, Partial<RenderContext>, string]>([
    ['a blank city', { client: { ownerName: 'A', companyName: 'B', city: '  ' } }, '{{client.city}} has no value: the client has no city'],
    ['a product that is not the opportunity’s', { product: { id: 'kml', name: 'KML' } }, "{{opportunity.product}} has no value: the opportunity's product is not in the catalogue"],
    ['no product', { product: undefined }, "{{opportunity.product}} has no value: the opportunity's product is not in the catalogue"],
    ['a sender without a phone', { staff: { name: 'Rahul Nair' } }, '{{staff.phone}} has no value: the sender has no phone number'],
  ])('counts %s as missing', (_, overrides, message) => {
    const t = aWhatsappTemplate({ text: '{{client.city}} {{opportunity.product}} {{staff.phone}}', whatsapp: undefined });
    expect(() => renderTemplate(t, context(overrides))).toThrow(invalidWith([{ field: message.slice(2, message.indexOf('}}')), code: 'missing_value', message }]));
  });

  it('refuses a template that does not parse rather than send its braces', () => {
    expect(() => renderTemplate(anEmailTemplate({ text: 'Dear {{ client.ownerName' }), context())).toThrow(
      expect.objectContaining({ message: 'The template does not parse; fix it before sending.', details: { errors: [{ field: 'template.text', code: 'malformed_variable', message: 'has "{{" with no "}}" after it (at character 6)' }] } }),
    );
  });

  it('previews with the sample context: every variable has a value', () => {
    const all = templateVariables.map((v) => `{{${v}}}`).join(' | ');
    expect(renderTemplate(aWhatsappTemplate({ text: all, whatsapp: undefined }), sampleContext)).toEqual({
      text: 'Anitha Menon | Menon Jewellers | Thrissur | Jewellery | ₹30,000 | Rahul Nair | +919876543210',
    });
  });
});

describe('escapeHtml', () => {
  it('escapes the characters that break out of content or a quoted attribute, and braces', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&{{}}</a>`)).toBe('&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&#123;&#123;&#125;&#125;&lt;/a&gt;');
  });
});

describe('rendering, for every template and every value', () => {
  /** Literal text with single braces at most, none touching a variable's. */
  const literal = fc
    .string({ maxLength: 20, unit: fc.oneof(fc.constantFrom('{', '}', '<', '>', '&', '"', "'", ' ', '\n'), fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme' })) })
    .map((s) => s.replace(/\{+/g, '{').replace(/\}+/g, '}').replace(/^\}/, '').replace(/\{$/, ''));
  const variable = fc.constantFrom(...templateVariables).map((v) => `{{${v}}}`);
  const source = fc.array(fc.tuple(literal, variable), { minLength: 1, maxLength: 6 }).chain((pairs) => literal.map((tail) => pairs.map(([l, v]) => l + v).join('') + tail));
  const value = (noBraces: boolean) =>
    fc.string({ minLength: 1, maxLength: 30, unit: fc.oneof(fc.constantFrom('<', '>', '&', '{{', '}}', '<script>', 'x'), fc.string({ minLength: 1, maxLength: 1, unit: 'grapheme' })) })
      .map((s) => (noBraces ? s.replace(/[{}]/g, '') : s))
      .filter(isVisible);
  const contextOf = (noBraces: boolean) =>
    fc.record({ ownerName: value(noBraces), companyName: value(noBraces), city: value(noBraces), product: value(noBraces), staff: value(noBraces), phone: value(noBraces), dealValue: fc.integer({ min: 0, max: 1e13 }) }).map(
      (v): RenderContext => ({
        client: { ownerName: v.ownerName, companyName: v.companyName, city: v.city },
        opportunity: { productId: 'p', dealValue: v.dealValue },
        product: { id: 'p', name: v.product },
        staff: { name: v.staff, phone: v.phone },
      }),
    );
  const templateOf = (text: string, html: string): TemplateInput => ({ name: 't', channel: 'email', subject: 's', text, html });
  const count = (s: string, c: string) => s.split(c).length - 1;

  it('leaves no {{ or }} in text or HTML when the values hold none', () => {
    fc.assert(
      fc.property(source, source, contextOf(true), (text, html, ctx) => {
        const rendered = renderTemplate(templateOf(text, html), ctx);
        for (const out of [rendered.text, rendered.html!]) {
          expect(out).not.toContain('{{');
          expect(out).not.toContain('}}');
        }
      }),
    );
  });

  it("never lets a value's < into the HTML, and never leaves {{ there, whatever the values", () => {
    fc.assert(
      fc.property(source, contextOf(false), (html, ctx) => {
        const rendered = renderTemplate(templateOf('t', html), ctx);
        // Every < in the HTML is the template's own.
        expect(count(rendered.html!, '<')).toBe(count(html, '<'));
        expect(rendered.html).not.toContain('{{');
      }),
    );
  });

  it('writes every value into the text exactly as it is', () => {
    fc.assert(
      fc.property(contextOf(false), (ctx) => {
        const rendered = renderTemplate(templateOf('{{client.ownerName}}|{{client.companyName}}|{{client.city}}|{{opportunity.product}}|{{staff.name}}|{{staff.phone}}', 'h'), ctx);
        expect(rendered.text).toBe([ctx.client.ownerName, ctx.client.companyName, ctx.client.city, ctx.product!.name, ctx.staff.name, ctx.staff.phone].join('|'));
      }),
    );
  });
});

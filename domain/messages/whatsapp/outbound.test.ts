import { describe, expect, it } from 'vitest';
import { MAX_TEXT_LENGTH, templateMessage, textMessage, waRecipient } from './outbound';

const invalidFields = (...errors: { field: string; code: string }[]) =>
  expect.objectContaining({ name: 'DomainError', kind: 'invalid', code: 'validation_failed', details: { errors: errors.map((e) => expect.objectContaining(e)) } });

describe('waRecipient', () => {
  it('takes E.164 as digits without +, spaces or dashes', () => {
    expect(waRecipient('+919876543210')).toBe('919876543210');
    expect(waRecipient('+91 98765-43210')).toBe('919876543210');
    expect(waRecipient('16505551234')).toBe('16505551234');
  });

  it('is undefined for what is not a phone number', () => {
    expect(waRecipient('+0123456789')).toBeUndefined();
    expect(waRecipient('12345')).toBeUndefined();
    expect(waRecipient('+1234567890123456')).toBeUndefined();
    expect(waRecipient('someone@example.com')).toBeUndefined();
  });
});

describe('textMessage: POST /{phone-number-id}/messages with type text', () => {
  it('is Meta’s text request', () => {
    expect(textMessage('+919876543210', 'Your demo is confirmed for Monday, 10:00.')).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '919876543210',
      type: 'text',
      text: { body: 'Your demo is confirmed for Monday, 10:00.' },
    });
  });

  it('asks for a link preview and replies in context when told to', () => {
    const request = textMessage('+16505551234', "As requested, here's the link to our latest product: https://www.meta.com/quest/quest-3/", {
      previewUrl: true,
      replyTo: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
    });
    expect(request).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '16505551234',
      context: { message_id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=' },
      type: 'text',
      text: { preview_url: true, body: "As requested, here's the link to our latest product: https://www.meta.com/quest/quest-3/" },
    });
    // Meta's key order, so the local outbox reads like the documentation.
    expect(Object.keys(request)).toEqual(['messaging_product', 'recipient_type', 'to', 'context', 'type', 'text']);
    expect(JSON.stringify(textMessage('+16505551234', 'hi', { previewUrl: false }))).toBe(
      '{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","type":"text","text":{"preview_url":false,"body":"hi"}}',
    );
  });

  it('takes a body of exactly 4096 characters and refuses 4097', () => {
    expect(MAX_TEXT_LENGTH).toBe(4096);
    expect(textMessage('+919876543210', 'a'.repeat(4096)).text.body).toHaveLength(4096);
    expect(() => textMessage('+919876543210', 'a'.repeat(4097))).toThrow(
      expect.objectContaining({ details: { errors: [{ field: 'body.text', code: 'too_long', message: 'must be at most 4096 characters on WhatsApp (it has 4097)' }] } }),
    );
  });

  it('reports every bad field at once', () => {
    expect(() => textMessage('12', '   ')).toThrow(invalidFields({ field: 'body.to', code: 'invalid_phone' }, { field: 'body.text', code: 'required' }));
  });
});

describe('templateMessage: POST /{phone-number-id}/messages with type template', () => {
  it('is Meta’s template request with body parameters and buttons', () => {
    expect(
      templateMessage('+91 98765 43210', {
        name: 'demo_reminder',
        language: 'en_US',
        bodyParameters: ['Asha', 'Rooftop Solar 5 kW', '1 December, 10:00'],
        buttons: [
          { type: 'quick_reply', index: 0, payload: 'confirm_demo' },
          { type: 'url', index: 1, text: 'opp_42' },
        ],
      }),
    ).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '919876543210',
      type: 'template',
      template: {
        name: 'demo_reminder',
        language: { code: 'en_US' },
        components: [
          {
            type: 'body',
            parameters: [
              { type: 'text', text: 'Asha' },
              { type: 'text', text: 'Rooftop Solar 5 kW' },
              { type: 'text', text: '1 December, 10:00' },
            ],
          },
          { type: 'button', sub_type: 'quick_reply', index: '0', parameters: [{ type: 'payload', payload: 'confirm_demo' }] },
          { type: 'button', sub_type: 'url', index: '1', parameters: [{ type: 'text', text: 'opp_42' }] },
        ],
      },
    });
  });

  it('sends a template without variables without components', () => {
    expect(templateMessage('+16505551234', { name: 'hello_world', language: 'en_US', bodyParameters: [] })).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: '16505551234',
      type: 'template',
      template: { name: 'hello_world', language: { code: 'en_US' } },
    });
  });

  it('refuses bad names, languages, parameters and button indexes, each by field', () => {
    expect(() =>
      templateMessage('+919876543210', {
        name: 'Demo Reminder',
        language: 'english',
        bodyParameters: ['ok', 'two\nlines', '', 'five     spaces'],
        buttons: [
          { type: 'quick_reply', index: 0, payload: 'a' },
          { type: 'quick_reply', index: 0, payload: 'b' },
          { type: 'url', index: 10, text: '\t' },
        ],
      }),
    ).toThrow(
      invalidFields(
        { field: 'body.template.name', code: 'invalid_template_name' },
        { field: 'body.template.language', code: 'invalid_language' },
        { field: 'body.template.bodyParameters.1', code: 'invalid_parameter' },
        { field: 'body.template.bodyParameters.2', code: 'invalid_parameter' },
        { field: 'body.template.bodyParameters.3', code: 'invalid_parameter' },
        { field: 'body.template.buttons.1.index', code: 'duplicate_index' },
        { field: 'body.template.buttons.2.index', code: 'invalid_index' },
        { field: 'body.template.buttons.2.text', code: 'invalid_parameter' },
      ),
    );
  });

  it('refuses a recipient that is not a phone number', () => {
    expect(() => templateMessage('someone@example.com', { name: 'hello_world', language: 'en', bodyParameters: [] })).toThrow(invalidFields({ field: 'body.to', code: 'invalid_phone' }));
  });
});

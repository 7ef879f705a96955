import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { instantOfUnix, parseWhatsAppWebhook } from './webhook';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const mappingError = (code: string) => expect.objectContaining({ name: 'MappingError', code });

/** A `messages` notification around the given value parts (Meta's envelope, the documentation's ids). */
const notification = (value: Record<string, unknown>) =>
  JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: '102290129340398', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '15550783881', phone_number_id: '106540352242922' }, ...value } }] }],
  });
const message = (fields: Record<string, unknown>) => notification({ messages: [{ from: '16505551234', id: 'wamid.TEST', timestamp: '1749416383', ...fields }] });

describe('parseWhatsAppWebhook: inbound messages', () => {
  it('reads a text message with the sender’s profile name and E.164 number', () => {
    expect(parseWhatsAppWebhook(fixture('text.json'))).toEqual({
      inbound: [
        {
          waMessageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=',
          from: '+16505551234',
          phoneNumberId: '106540352242922',
          at: '2025-06-08T20:59:43.000Z',
          profileName: 'Sheena Nelson',
          kind: 'text',
          text: 'Does it come in another color?',
        },
      ],
      statuses: [],
      ignored: [],
    });
  });

  it('reads an image as media to fetch, with its caption and hash', () => {
    expect(parseWhatsAppWebhook(fixture('image.json')).inbound).toEqual([
      {
        waMessageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzRUIwQzc2RjQ5QjI4MUYwOTE0NwA=',
        from: '+16505551234',
        phoneNumberId: '106540352242922',
        at: '2025-06-08T21:01:40.000Z',
        profileName: 'Sheena Nelson',
        kind: 'image',
        media: { id: '1003383421387256', mimeType: 'image/jpeg', sha256: '9yTnYh0uW7lY7b8cE1h4m8o1J2jz8bq1m3Ayr0Yw8Vw=', caption: 'Is this the rooftop panel you quoted?' },
      },
    ]);
  });

  it('reads a location with its name and address', () => {
    expect(parseWhatsAppWebhook(fixture('location.json')).inbound).toEqual([
      {
        waMessageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQjFBNzE0RjNGRDU4RTE0OTlFMgA=',
        from: '+16505551234',
        phoneNumberId: '106540352242922',
        at: '2025-06-08T21:03:20.000Z',
        profileName: 'Sheena Nelson',
        kind: 'location',
        location: { latitude: 37.44221496582, longitude: -122.16161346436, name: 'Philz Coffee', address: '101 Forest Ave, Palo Alto, CA 94301' },
      },
    ]);
  });

  it('reads a template quick-reply button with its payload and the message it answers', () => {
    expect(parseWhatsAppWebhook(fixture('button.json')).inbound).toEqual([
      {
        waMessageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTc3OUU2RDY1MTg4MzVBNzQ0MQA=',
        from: '+16505551234',
        phoneNumberId: '106540352242922',
        at: '2025-06-08T21:05:00.000Z',
        profileName: 'Sheena Nelson',
        context: { id: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0RkQ2NTg2NzM3QjdCRkNENjQA' },
        kind: 'button',
        text: 'Book a demo',
        reply: { title: 'Book a demo', payload: 'book_demo' },
      },
    ]);
  });

  it('reads an interactive list reply with the row’s id and title (Meta’s documented example)', () => {
    expect(parseWhatsAppWebhook(fixture('interactive.list-reply.json')).inbound).toEqual([
      {
        waMessageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA=',
        from: '+16505551234',
        phoneNumberId: '106540352242922',
        at: '2025-02-12T00:43:44.000Z',
        profileName: 'Sheena Nelson',
        context: { id: 'wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA=' },
        kind: 'interactive',
        text: 'Priority Mail Express',
        reply: { id: 'priority_express', title: 'Priority Mail Express' },
      },
    ]);
  });

  it('reads an interactive reply button', () => {
    const body = message({ type: 'interactive', context: { from: '15550783881', id: 'wamid.ASKED' }, interactive: { type: 'button_reply', button_reply: { id: 'cancel-button', title: 'Cancel' } } });
    expect(parseWhatsAppWebhook(body).inbound).toEqual([
      { waMessageId: 'wamid.TEST', from: '+16505551234', phoneNumberId: '106540352242922', at: '2025-06-08T20:59:43.000Z', context: { id: 'wamid.ASKED' }, kind: 'interactive', text: 'Cancel', reply: { id: 'cancel-button', title: 'Cancel' } },
    ]);
  });

  it('reads a document with its filename, and audio and video as media', () => {
    const doc = message({ type: 'document', document: { filename: 'quotation.pdf', mime_type: 'application/pdf', sha256: 'abc=', id: '2001' } });
    expect(parseWhatsAppWebhook(doc).inbound[0]).toEqual({
      waMessageId: 'wamid.TEST',
      from: '+16505551234',
      phoneNumberId: '106540352242922',
      at: '2025-06-08T20:59:43.000Z',
      kind: 'document',
      media: { id: '2001', mimeType: 'application/pdf', sha256: 'abc=', filename: 'quotation.pdf' },
    });
    expect(parseWhatsAppWebhook(message({ type: 'audio', audio: { mime_type: 'audio/ogg; codecs=opus', sha256: 'x', id: '2002', voice: true } })).inbound[0]).toMatchObject({ kind: 'audio', media: { id: '2002', mimeType: 'audio/ogg; codecs=opus', sha256: 'x' } });
    expect(parseWhatsAppWebhook(message({ type: 'video', video: { mime_type: 'video/mp4', id: '2003' } })).inbound[0]).toMatchObject({ kind: 'video', media: { id: '2003', mimeType: 'video/mp4' } });
  });

  it('reads a reaction as answering the message it reacts to', () => {
    expect(parseWhatsAppWebhook(message({ type: 'reaction', reaction: { message_id: 'wamid.OURS', emoji: '👍' } })).inbound).toEqual([
      { waMessageId: 'wamid.TEST', from: '+16505551234', phoneNumberId: '106540352242922', at: '2025-06-08T20:59:43.000Z', context: { id: 'wamid.OURS' }, kind: 'reaction', text: '👍' },
    ]);
    // Taking a reaction back sends it without an emoji.
    expect(parseWhatsAppWebhook(message({ type: 'reaction', reaction: { message_id: 'wamid.OURS' } })).inbound[0]).not.toHaveProperty('text');
  });

  it('keeps stickers, contacts and Meta’s unsupported type as unsupported, saying what they were', () => {
    expect(parseWhatsAppWebhook(message({ type: 'sticker', sticker: { mime_type: 'image/webp', id: '3001', animated: false } })).inbound[0]).toEqual({
      waMessageId: 'wamid.TEST',
      from: '+16505551234',
      phoneNumberId: '106540352242922',
      at: '2025-06-08T20:59:43.000Z',
      kind: 'unsupported',
      metaType: 'sticker',
    });
    expect(parseWhatsAppWebhook(message({ type: 'unsupported', errors: [{ code: 131051, title: 'Message type unknown' }] })).inbound[0]).toMatchObject({ kind: 'unsupported', metaType: 'unsupported' });
    expect(parseWhatsAppWebhook(message({ type: 'interactive', interactive: { type: 'nfm_reply', nfm_reply: { response_json: '{}' } } })).inbound[0]).toMatchObject({ kind: 'unsupported', metaType: 'interactive.nfm_reply' });
  });

  it('ignores system messages: WhatsApp speaking, not the customer', () => {
    expect(parseWhatsAppWebhook(message({ type: 'system', system: { body: 'User A changed from +1 to +2', type: 'user_changed_number' } }))).toEqual({
      inbound: [],
      statuses: [],
      ignored: [{ what: 'message wamid.TEST', reason: 'a system message, not one the customer wrote' }],
    });
  });

  it('accepts the dashboard’s test notification (ids that are not wamids, entry id 0)', () => {
    const body = '{"object":"whatsapp_business_account","entry":[{"id":"0","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"16505551111","phone_number_id":"123456123"},"contacts":[{"profile":{"name":"test user name"},"wa_id":"16315551181"}],"messages":[{"from":"16315551181","id":"ABGGFlA5Fpa","timestamp":"1504902988","type":"text","text":{"body":"this is a text message"}}]}}]}]}';
    expect(parseWhatsAppWebhook(body).inbound).toEqual([
      { waMessageId: 'ABGGFlA5Fpa', from: '+16315551181', phoneNumberId: '123456123', at: '2017-09-08T20:36:28.000Z', profileName: 'test user name', kind: 'text', text: 'this is a text message' },
    ]);
  });
});

describe('parseWhatsAppWebhook: duplicate deliveries', () => {
  it('keeps a wamid named twice in one delivery once, saying so', () => {
    const parsed = parseWhatsAppWebhook(fixture('text.duplicate-in-one-delivery.json'));
    expect(parsed.inbound.map((m) => m.waMessageId)).toEqual(['wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=']);
    expect(parsed.ignored).toEqual([{ what: 'message wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA=', reason: 'named twice in this delivery' }]);
  });

  it('gives a redelivered body exactly the same result, so the store’s wamid key makes it a no-op', () => {
    expect(parseWhatsAppWebhook(fixture('text.json'))).toEqual(parseWhatsAppWebhook(fixture('text.json')));
  });

  it('keeps one status per wamid and status in a delivery', () => {
    const status = { id: 'wamid.OURS', status: 'delivered', timestamp: '1750857390', recipient_id: '16505551234' };
    expect(parseWhatsAppWebhook(notification({ statuses: [status, status] })).statuses).toEqual([{ waMessageId: 'wamid.OURS', status: 'delivered', at: '2025-06-25T13:16:30.000Z', recipient: '+16505551234' }]);
  });
});

describe('parseWhatsAppWebhook: statuses', () => {
  it('reads sent, delivered and read for one wamid', () => {
    const wamid = 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MUExNjc3NUZBQzE1NzJFQkIA';
    expect(parseWhatsAppWebhook(fixture('status.sent.json'))).toEqual({ inbound: [], statuses: [{ waMessageId: wamid, status: 'sent', at: '2025-06-25T13:16:24.000Z', recipient: '+16505551234' }], ignored: [] });
    expect(parseWhatsAppWebhook(fixture('status.delivered.json')).statuses).toEqual([{ waMessageId: wamid, status: 'delivered', at: '2025-06-25T13:16:30.000Z', recipient: '+16505551234' }]);
    expect(parseWhatsAppWebhook(fixture('status.read.json')).statuses).toEqual([{ waMessageId: wamid, status: 'read', at: '2025-06-25T13:17:00.000Z', recipient: '+16505551234' }]);
  });

  it('reads a failed status with Meta’s error code, title and details (131047, the closed window)', () => {
    expect(parseWhatsAppWebhook(fixture('status.failed-131047.json')).statuses).toEqual([
      {
        waMessageId: 'wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBJCNkY5NTBENEU3ODYxQTM3RUQA',
        status: 'failed',
        at: '2025-06-26T13:18:20.000Z',
        recipient: '+16505551234',
        error: { code: 131047, title: 'Re-engagement message', message: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' },
      },
    ]);
  });

  it('takes an error without details as its title alone, and one with only a message as that', () => {
    const failed = (errors: unknown[]) => notification({ statuses: [{ id: 'wamid.X', status: 'failed', timestamp: '1750857390', recipient_id: '16505551234', errors }] });
    expect(parseWhatsAppWebhook(failed([{ code: 131026, title: 'Message undeliverable', message: 'Message undeliverable' }])).statuses[0]?.error).toEqual({ code: 131026, title: 'Message undeliverable' });
    expect(parseWhatsAppWebhook(failed([{ code: 131049, message: 'This message was not delivered to maintain healthy ecosystem engagement.' }])).statuses[0]?.error).toEqual({
      code: 131049,
      title: 'This message was not delivered to maintain healthy ecosystem engagement.',
    });
  });

  it('ignores statuses that are none of ours (deleted, warning, played)', () => {
    const body = notification({ statuses: [{ id: 'wamid.X', status: 'played', timestamp: '1750857390', recipient_id: '16505551234' }] });
    expect(parseWhatsAppWebhook(body)).toEqual({ inbound: [], statuses: [], ignored: [{ what: 'status played of wamid.X', reason: 'not a sent, delivered, read or failed status' }] });
  });

  it('keeps a group recipient as Meta names it', () => {
    const body = notification({ statuses: [{ id: 'wamid.X', status: 'sent', timestamp: '1750857390', recipient_id: 'Y2FwaV9ncm91cDox', recipient_type: 'group' }] });
    expect(parseWhatsAppWebhook(body).statuses[0]?.recipient).toBe('Y2FwaV9ncm91cDox');
  });
});

describe('parseWhatsAppWebhook: what it leaves alone and what it refuses', () => {
  it('ignores other objects, other fields and value-level errors, saying why', () => {
    expect(parseWhatsAppWebhook(JSON.stringify({ object: 'page', entry: [] }))).toEqual({ inbound: [], statuses: [], ignored: [{ what: 'object page', reason: 'not a WhatsApp Business Account notification' }] });
    const templateUpdate = JSON.stringify({ object: 'whatsapp_business_account', entry: [{ id: '102290129340398', changes: [{ field: 'message_template_status_update', value: { event: 'APPROVED' } }] }] });
    expect(parseWhatsAppWebhook(templateUpdate).ignored).toEqual([{ what: 'account 102290129340398 message_template_status_update', reason: 'only messages changes are acted on' }]);
    expect(parseWhatsAppWebhook(notification({ errors: [{ code: 131000, title: 'Something went wrong' }] })).ignored).toEqual([{ what: 'error 131000 on 106540352242922', reason: 'Meta reported Something went wrong' }]);
  });

  it('refuses what is not a WhatsApp notification as malformed_payload', () => {
    const bodies = [
      'not json',
      'null',
      '[]',
      '{"object":"whatsapp_business_account"}',
      '{"object":"whatsapp_business_account","entry":[{"id":"1"}]}',
      '{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp"}}]}]}',
      '{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{"messaging_product":"sms","metadata":{"phone_number_id":"1"}}}]}]}',
      message({ type: 'text' }),
      message({ type: 'text', text: { body: 7 } }),
      message({ type: 'image', image: { id: '1' } }),
      message({ type: 'location', location: { latitude: 91, longitude: 0 } }),
      message({ type: 'text', text: { body: 'hi' }, timestamp: 'yesterday' }),
      message({ type: 'text', text: { body: 'hi' }, from: 'not-a-number' }),
      notification({ messages: [{ id: 'wamid.X', timestamp: '1', type: 'text', text: { body: 'hi' } }] }),
      notification({ statuses: [{ id: 'wamid.X', status: 'sent', timestamp: '1' }] }),
      notification({ statuses: [{ id: 'wamid.X', status: 'sent', timestamp: 'soon', recipient_id: '16505551234' }] }),
    ];
    for (const body of bodies) expect(() => parseWhatsAppWebhook(body), body).toThrow(mappingError('malformed_payload'));
  });
});

describe('instantOfUnix', () => {
  it('reads Meta’s Unix seconds, as a string or a number, and nothing else', () => {
    expect(instantOfUnix('1749416383')).toBe('2025-06-08T20:59:43.000Z');
    expect(instantOfUnix(1749416383)).toBe('2025-06-08T20:59:43.000Z');
    expect(instantOfUnix('1749416383.5')).toBeUndefined();
    expect(instantOfUnix('-1')).toBeUndefined();
    expect(instantOfUnix('')).toBeUndefined();
  });
});

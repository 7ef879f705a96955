import { describe, expect, it } from 'vitest';
import { Consent, consentChange, consentFromMessage, mayMessage, normaliseWords } from './consent';

const none = { optOut: [], optIn: [] };

describe('consentChange: the whole message, not a word in it', () => {
  it('reads the default opt-out and opt-in words', () => {
    expect(consentChange('STOP', none)).toBe('opt_out');
    expect(consentChange('UNSUBSCRIBE', none)).toBe('opt_out');
    expect(consentChange('STOP ALL', none)).toBe('opt_out');
    expect(consentChange('START', none)).toBe('opt_in');
    expect(consentChange('UNSTOP', none)).toBe('opt_in');
  });

  it('ignores case, accents, spacing and punctuation around the word', () => {
    expect(consentChange('stop', none)).toBe('opt_out');
    expect(consentChange('  Stop!  ', none)).toBe('opt_out');
    expect(consentChange('stop   all', none)).toBe('opt_out');
    expect(consentChange('Stop\nAll.', none)).toBe('opt_out');
    expect(consentChange('Unsubscribe\u200d', none)).toBe('opt_out');
    expect(consentChange('ŞTÖP', none)).toBe('opt_out');
    expect(consentChange('stärt', none)).toBe('opt_in');
  });

  it('is nothing for a sentence that contains the word', () => {
    expect(consentChange('please stop calling me at 5', none)).toBeUndefined();
    expect(consentChange('stop it', none)).toBeUndefined();
    expect(consentChange('STOPPED', none)).toBeUndefined();
    expect(consentChange('start the demo tomorrow', none)).toBeUndefined();
    expect(consentChange('', none)).toBeUndefined();
    expect(consentChange('  !!  ', none)).toBeUndefined();
  });

  it('adds the tenant’s words to the defaults, compared the same way', () => {
    const tenant = { optOut: ['Band karo', 'रुकें'], optIn: ['Shuru'] };
    expect(consentChange('BAND KARO', tenant)).toBe('opt_out');
    expect(consentChange('रुकें', tenant)).toBe('opt_out');
    expect(consentChange('shuru!', tenant)).toBe('opt_in');
    expect(consentChange('STOP', tenant)).toBe('opt_out');
    expect(consentChange('START', tenant)).toBe('opt_in');
  });

  it('opts out when a word is in both lists', () => {
    expect(consentChange('pause', { optOut: ['pause'], optIn: ['PAUSE'] })).toBe('opt_out');
  });
});

describe('normaliseWords', () => {
  it('upper-cases, drops accents and invisible characters, and folds whitespace', () => {
    expect(normaliseWords('  café\u200b  au\tlait! ')).toBe('CAFE AU LAIT');
  });
});

describe('consent records', () => {
  const at = '2026-11-30T10:00:00.000Z';

  it('records an opt-out or opt-in from the message that said it', () => {
    expect(consentFromMessage('Stop', none, { at, waMessageId: 'wamid.A' })).toEqual({ status: 'opted_out', at, source: 'whatsapp_message', messageId: 'wamid.A' });
    expect(consentFromMessage('start', none, { at, waMessageId: 'wamid.B' })).toEqual({ status: 'opted_in', at, source: 'whatsapp_message', messageId: 'wamid.B' });
    expect(consentFromMessage('Does it come in another color?', none, { at, waMessageId: 'wamid.C' })).toBeUndefined();
  });

  it('is a schema the store and the API share', () => {
    expect(Consent.parse({ status: 'opted_in', at, source: 'api' })).toEqual({ status: 'opted_in', at, source: 'api' });
    expect(Consent.safeParse({ status: 'maybe', at, source: 'api' }).success).toBe(false);
    expect(Consent.safeParse({ status: 'opted_in', at, source: 'sms' }).success).toBe(false);
  });

  it('blocks WhatsApp messages only after an opt-out', () => {
    expect(mayMessage(undefined)).toBe(true);
    expect(mayMessage({ status: 'opted_in', at, source: 'import' })).toBe(true);
    expect(mayMessage({ status: 'opted_out', at, source: 'whatsapp_message', messageId: 'wamid.A' })).toBe(false);
  });
});

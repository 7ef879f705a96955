import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { catalog } from '../../events/catalog';
import { DomainError } from '../errors';
import { applyPatch, checkWebhookInput, checkWebhookPatch, disable, eventPatternProblems, matches, urlProblems, Webhook, WebhookInput } from './subscription';

const catalogueNames = [...new Set(catalog.map((c) => c.name))];
const aws = { allowLoopbackHttp: false, catalogueNames };
const local = { allowLoopbackHttp: true, catalogueNames };

const webhook = (over: Partial<Webhook> = {}): Webhook =>
  Webhook.parse({
    id: 'wh_1',
    url: 'https://hooks.example.com/crm',
    events: ['opportunity.*'],
    description: '',
    enabled: true,
    secretCreatedAt: '2026-12-01T00:00:00.000Z',
    createdBy: 'admin-1',
    createdAt: '2026-12-01T00:00:00.000Z',
    updatedBy: 'admin-1',
    updatedAt: '2026-12-01T00:00:00.000Z',
    version: 1,
    ...over,
  });

/** The DomainError a check throws, for its field errors. */
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof DomainError) return { kind: e.kind, code: e.code, errors: e.details.errors };
    throw e;
  }
  throw new Error('expected a refusal');
};

describe('webhook URLs', () => {
  const unsafe = [{ field: 'body.url', code: 'unsafe_url', message: 'must not name a private, loopback, link-local or otherwise non-public address' }];

  it('in AWS: https to a public host only', () => {
    expect(urlProblems('https://hooks.example.com/crm?team=7', aws)).toEqual([]);
    expect(urlProblems('https://8.8.8.8:8443/in', aws)).toEqual([]);
    expect(urlProblems('https://[2606:4700:4700::1111]/in', aws)).toEqual([]);
    expect(urlProblems('http://hooks.example.com/crm', aws)).toEqual([{ field: 'body.url', code: 'https_required', message: 'must be an https URL' }]);
    expect(urlProblems('ftp://hooks.example.com/crm', aws)).toEqual([{ field: 'body.url', code: 'https_required', message: 'must be an https URL' }]);
    expect(urlProblems('hooks.example.com/crm', aws)).toEqual([{ field: 'body.url', code: 'invalid_url', message: 'is not a URL' }]);
    expect(urlProblems('https://u:p@hooks.example.com/crm', aws)).toEqual([{ field: 'body.url', code: 'credentials_in_url', message: 'must not carry credentials: receivers verify the webhook-signature header instead' }]);
    expect(urlProblems('https://token@hooks.example.com/crm', aws)).toEqual([{ field: 'body.url', code: 'credentials_in_url', message: 'must not carry credentials: receivers verify the webhook-signature header instead' }]);
    expect(urlProblems('https://hooks.example.com/crm#x', aws)).toEqual([{ field: 'body.url', code: 'invalid_url', message: 'must have no fragment (#…)' }]);
    expect(urlProblems('https://127.0.0.1:3913/hook', aws)).toEqual(unsafe);
    expect(urlProblems('https://[::1]/hook', aws)).toEqual(unsafe);
    expect(urlProblems('http://127.0.0.1:3913/hook', aws)).toEqual([{ field: 'body.url', code: 'https_required', message: 'must be an https URL' }]);
    for (const url of ['https://localhost:3913/hook', 'https://localhost./hook', 'https://metadata.google.internal/', 'https://printer.local/', 'https://intranet/']) {
      expect(urlProblems(url, aws), url).toEqual([{ field: 'body.url', code: 'unsafe_url', message: 'must name a public host' }]);
    }
  });

  it('everywhere: private, link-local, unique-local, CGNAT and mapped literals are unsafe_url, numeric forms too', () => {
    for (const url of ['https://169.254.169.254/latest/meta-data', 'https://10.0.0.1/', 'https://172.16.5.4/', 'https://192.168.0.1/', 'https://100.64.0.1/', 'https://[fd00::1]/', 'https://[fe80::1]/', 'https://[::ffff:10.0.0.1]/', 'https://[::ffff:a9fe:a9fe]/', 'https://[64:ff9b::10.0.0.1]/', 'https://2852039166/', 'https://0251.0376.0251.0376/', 'https://0xa9fea9fe/', 'https://0.0.0.0/']) {
      expect(urlProblems(url, aws), url).toEqual(unsafe);
      expect(urlProblems(url, local), url).toEqual(unsafe);
    }
    expect(urlProblems('http://169.254.169.254/latest/meta-data', local)).toEqual([{ field: 'body.url', code: 'https_required', message: 'must be an https URL (or http to loopback)' }]);
  });

  it('with npm start: http and https to loopback as well', () => {
    for (const url of ['http://127.0.0.1:3913/hook', 'http://127.1:3913/hook', 'http://2130706433:3913/', 'http://[::1]:3913/hook', 'http://localhost:3913/hook', 'http://receiver.localhost:3913/', 'https://localhost:3913/hook', 'https://hooks.example.com/crm']) {
      expect(urlProblems(url, local), url).toEqual([]);
    }
    expect(urlProblems('http://hooks.example.com/crm', local)).toEqual([{ field: 'body.url', code: 'https_required', message: 'must be an https URL (or http to loopback)' }]);
    expect(urlProblems('http://u:p@127.0.0.1:3913/', local)).toEqual([{ field: 'body.url', code: 'credentials_in_url', message: 'must not carry credentials: receivers verify the webhook-signature header instead' }]);
    expect(urlProblems('https://printer.local/', local)).toEqual([{ field: 'body.url', code: 'unsafe_url', message: 'must name a public host' }]);
  });

  it('property: a literal in 10/8, 172.16/12, 192.168/16 or 169.254/16 is unsafe_url whatever the mode, scheme, port and path', () => {
    const octet = fc.integer({ min: 0, max: 255 });
    const address = fc.oneof(
      fc.tuple(fc.constant(10), octet, octet, octet),
      fc.tuple(fc.constant(172), fc.integer({ min: 16, max: 31 }), octet, octet),
      fc.tuple(fc.constant(192), fc.constant(168), octet, octet),
      fc.tuple(fc.constant(169), fc.constant(254), octet, octet),
    );
    fc.assert(
      fc.property(address, fc.integer({ min: 1, max: 65535 }), fc.webPath(), fc.boolean(), (parts, port, path, allowLoopbackHttp) => {
        expect(urlProblems(`https://${parts.join('.')}:${port}${path}`, { allowLoopbackHttp })).toEqual(unsafe);
      }),
    );
  });

  it('property: every public https URL passes in both modes', () => {
    fc.assert(
      fc.property(fc.webUrl({ validSchemes: ['https'], withQueryParameters: true }), fc.boolean(), (url, allowLoopbackHttp) => {
        fc.pre(!/^https:\/\/(?:[^/]*@|[^/]*\.local(?:[:/]|$)|[^/.:]+(?:[:/]|$))/.test(url)); // no credentials, no local or single-label names
        fc.pre(!url.includes('#'));
        const host = new URL(url).hostname;
        fc.pre(!/^[\d.]+$|^\[/.test(host)); // names, not addresses (the table covers those)
        expect(urlProblems(url, { allowLoopbackHttp }), url).toEqual([]);
      }),
    );
  });
});

describe('event patterns', () => {
  it('an exact name, an entity wildcard, or every event', () => {
    expect(matches(['opportunity.stage_changed'], 'opportunity.stage_changed')).toBe(true);
    expect(matches(['opportunity.stage_changed'], 'opportunity.won')).toBe(false);
    expect(matches(['opportunity.*'], 'opportunity.won')).toBe(true);
    expect(matches(['opportunity.*'], 'client.created')).toBe(false);
    // a prefix is a whole entity, not the start of one
    expect(matches(['opportunity.*'], 'opportunityx.won')).toBe(false);
    expect(matches(['client.*', 'message.sent'], 'message.sent')).toBe(true);
    expect(matches(['*'], 'audit.recorded')).toBe(true);
    expect(matches([], 'client.created')).toBe(false);
  });

  it('property: * takes every name; entity.* takes exactly the names of that entity; a name takes only itself', () => {
    const name = fc.tuple(fc.stringMatching(/^[a-z][a-z0-9_]{0,10}$/), fc.stringMatching(/^[a-z][a-z0-9_]{0,15}$/)).map(([e, w]) => `${e}.${w}`);
    fc.assert(
      fc.property(name, name, (a, b) => {
        expect(matches(['*'], a)).toBe(true);
        expect(matches([`${b.split('.')[0]}.*`], a)).toBe(a.split('.')[0] === b.split('.')[0]);
        expect(matches([b], a)).toBe(a === b);
      }),
    );
  });

  it('are checked against the catalogue: each must take some event, and appear once', () => {
    expect(eventPatternProblems(['opportunity.stage_changed', 'opportunity.*', 'client.created', '*', 'message.status_changed'], catalogueNames)).toEqual([]);
    expect(eventPatternProblems(['opportunity.stage_change', 'lead.*', 'opportunity.*', 'opportunity.*', 'webhook.ping'], catalogueNames)).toEqual([
      { field: 'body.events.0', code: 'unknown_event', message: 'opportunity.stage_change matches no event of the catalogue' },
      { field: 'body.events.1', code: 'unknown_event', message: 'lead.* matches no event of the catalogue' },
      { field: 'body.events.3', code: 'duplicate', message: 'repeats body.events.2' },
      { field: 'body.events.4', code: 'unknown_event', message: 'webhook.ping matches no event of the catalogue' },
    ]);
  });
});

describe('a new subscription', () => {
  it('takes url, events and description; enabled by default, the URL as the parser writes it', () => {
    expect(checkWebhookInput({ url: 'HTTPS://Hooks.Example.COM/crm', events: ['opportunity.stage_changed'] }, aws)).toEqual({ url: 'https://hooks.example.com/crm', events: ['opportunity.stage_changed'], description: '', enabled: true });
    expect(checkWebhookInput({ url: 'https://hooks.example.com', events: ['*'], description: '  Partner  feed\n', enabled: false }, aws)).toEqual({ url: 'https://hooks.example.com/', events: ['*'], description: 'Partner  feed', enabled: false });
    expect(checkWebhookInput({ url: 'http://localhost:3913/hook', events: ['*'] }, local).url).toBe('http://localhost:3913/hook');
  });

  it('is refused with every field error at once', () => {
    expect(refusal(() => checkWebhookInput({ url: 'http://10.0.0.1/', events: ['nope.*', 'client.created'], secret: 'x' }, aws))).toEqual({
      kind: 'invalid',
      code: 'validation_failed',
      errors: [{ field: 'body.secret', code: 'unknown_field', message: 'is not a known field' }],
    });
    expect(refusal(() => checkWebhookInput({ url: 'https://10.0.0.1/', events: ['nope.*', 'client.created', 'client.created'] }, aws)).errors).toEqual([
      { field: 'body.url', code: 'unsafe_url', message: 'must not name a private, loopback, link-local or otherwise non-public address' },
      { field: 'body.events.0', code: 'unknown_event', message: 'nope.* matches no event of the catalogue' },
      { field: 'body.events.2', code: 'duplicate', message: 'repeats body.events.1' },
    ]);
  });

  it('limits: URL 2048 characters, 1 to 50 well-formed patterns, description 500', () => {
    const url = (n: number) => `https://hooks.example.com/${'a'.repeat(n - 'https://hooks.example.com/'.length)}`;
    expect(WebhookInput.safeParse({ url: url(2048), events: ['*'] }).success).toBe(true);
    expect(refusal(() => checkWebhookInput({ url: url(2049), events: ['*'] }, aws)).errors).toEqual([{ field: 'body.url', code: 'too_big', message: 'must be at most 2048 characters' }]);
    expect(refusal(() => checkWebhookInput({ url: url(40), events: [] }, aws)).errors).toEqual([{ field: 'body.events', code: 'too_small', message: 'must name at least one event' }]);
    expect(refusal(() => checkWebhookInput({ url: url(40), events: Array.from({ length: 51 }, () => '*') }, aws)).errors).toEqual([{ field: 'body.events', code: 'too_big', message: 'must name at most 50 events' }]);
    const badPattern = 'must be an event name (opportunity.stage_changed), an entity wildcard (opportunity.*) or *';
    for (const p of ['opportunity', 'opportunity.**', 'Opportunity.won', '*.won', 'opportunity.stage*', 'a.b.c', ' *', '']) {
      expect(refusal(() => checkWebhookInput({ url: url(40), events: [p] }, aws)).errors, p).toEqual([{ field: 'body.events.0', code: 'invalid_format', message: badPattern }]);
    }
    expect(checkWebhookInput({ url: url(40), events: ['*'], description: 'é'.repeat(500) }, aws).description).toHaveLength(500);
    expect(refusal(() => checkWebhookInput({ url: url(40), events: ['*'], description: 'x'.repeat(501) }, aws)).errors).toEqual([{ field: 'body.description', code: 'too_big', message: 'must be at most 500 characters' }]);
  });

  it('a change is checked the same way, only for the fields it names', () => {
    expect(checkWebhookPatch({ enabled: true }, aws)).toEqual({ enabled: true });
    expect(checkWebhookPatch({ url: 'https://Hooks.example.com/v2' }, aws)).toEqual({ url: 'https://hooks.example.com/v2' });
    expect(refusal(() => checkWebhookPatch({}, aws)).errors).toEqual([{ field: 'body', code: 'custom', message: 'must change at least one field' }]);
    expect(refusal(() => checkWebhookPatch({ url: 'https://[fe80::1]/', events: ['lead.created'] }, aws)).errors).toEqual([
      { field: 'body.url', code: 'unsafe_url', message: 'must not name a private, loopback, link-local or otherwise non-public address' },
      { field: 'body.events.0', code: 'unknown_event', message: 'lead.created matches no event of the catalogue' },
    ]);
  });
});

describe('the subscription model', () => {
  const now = new Date('2026-12-05T10:00:00.000Z');

  it('an admin disabling it: admin, with when; enabling it again clears the reason and the failure streak', () => {
    const off = applyPatch(webhook({ failingSince: '2026-12-04T00:00:00.000Z' }), { enabled: false }, 'admin-2', now);
    expect(off).toEqual(webhook({ enabled: false, disabledReason: 'admin', disabledAt: '2026-12-05T10:00:00.000Z', failingSince: '2026-12-04T00:00:00.000Z', updatedBy: 'admin-2', updatedAt: '2026-12-05T10:00:00.000Z', version: 2 }));
    const gone = webhook({ enabled: false, disabledReason: 'gone', disabledAt: '2026-12-03T00:00:00.000Z', failingSince: '2026-12-03T00:00:00.000Z', version: 4 });
    expect(applyPatch(gone, { enabled: true, description: 'back' }, 'admin-2', now)).toEqual(webhook({ description: 'back', updatedBy: 'admin-2', updatedAt: '2026-12-05T10:00:00.000Z', version: 5 }));
  });

  it('other changes keep the state as it is', () => {
    expect(applyPatch(webhook(), { events: ['*'], enabled: true }, 'admin-2', now)).toEqual(webhook({ events: ['*'], updatedBy: 'admin-2', updatedAt: '2026-12-05T10:00:00.000Z', version: 2 }));
    const failing = webhook({ enabled: false, disabledReason: 'failing', disabledAt: '2026-12-04T00:00:00.000Z' });
    expect(applyPatch(failing, { enabled: false }, 'admin-2', now)).toEqual({ ...failing, updatedBy: 'admin-2', updatedAt: '2026-12-05T10:00:00.000Z', version: 2 });
  });

  it('disabled by its deliveries once; already off, unchanged', () => {
    expect(disable(webhook(), 'gone', 'system', now)).toEqual(webhook({ enabled: false, disabledReason: 'gone', disabledAt: '2026-12-05T10:00:00.000Z', updatedBy: 'system', updatedAt: '2026-12-05T10:00:00.000Z', version: 2 }));
    const off = webhook({ enabled: false, disabledReason: 'admin' });
    expect(disable(off, 'failing', 'system', now)).toBe(off);
  });
});

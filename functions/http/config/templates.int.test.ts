import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { describe, expect, it } from 'vitest';
import { useLocalStack } from '../../../test/stack';
import { getServices, getStoreClients } from '../../lib/services';
import { keys } from '../../lib/store/keys';
import { contextOf } from '../../lib/use-cases/context';
import { putTemplates } from '../../lib/use-cases/templates';

/** #14 item 6 on the local stack: the tenant's message templates stored (GET/PUT, If-Match, audited) and previewed for a client. */
const api = useLocalStack();
const admin = { tenantId: 'demo', staffId: 'admin', role: 'tenant_admin' } as const;
const tse1 = { tenantId: 'demo', staffId: 'tse-1', role: 'tse' } as const;
const tse2 = { tenantId: 'demo', staffId: 'tse-2', role: 'tse' } as const;
const analyst = { tenantId: 'demo', staffId: 'an-1', role: 'analyst' } as const;

const quote = {
  name: 'quote',
  channel: 'email',
  subject: '{{opportunity.product}} quote for {{client.companyName}}',
  text: 'Dear {{client.ownerName}},\nyour {{opportunity.product}} comes to {{opportunity.value}}.\n{{staff.name}}',
  html: '<p>Dear {{client.ownerName}},</p><p>{{client.companyName}}: <b>{{opportunity.value}}</b></p>',
};
const followUp = {
  name: 'wa-follow-up',
  channel: 'whatsapp',
  text: 'Hi {{client.ownerName}}, following up on your {{opportunity.product}} quote.',
  whatsapp: { templateName: 'deal_follow_up', language: 'en', parameters: ['{{client.ownerName}}', '{{opportunity.value}}'] },
};
const callMe = { name: 'call-me', channel: 'whatsapp', text: 'Call me on {{staff.phone}}.' };

describe('the message templates document', () => {
  it('is empty (version 0) until an admin saves it; a PUT needs If-Match, is the admin’s, refuses a stale version and is audited as a config update', async () => {
    const empty = await api.as(tse1).get('/v1/config/templates');
    expect(empty.status).toBe(200);
    expect(empty.body).toEqual({ templates: [] });
    expect(empty.headers.get('etag')).toBe('"0"');

    expect((await api.as(admin).put('/v1/config/templates', { templates: [quote] })).status).toBe(428);
    expect((await api.as(tse1).put('/v1/config/templates', { templates: [quote] }, { 'if-match': '"0"' })).status).toBe(403);
    const saved = await api.as(admin).put('/v1/config/templates', { templates: [quote, followUp, callMe] }, { 'if-match': '"0"' });
    expect(saved.status).toBe(200);
    expect(saved.headers.get('etag')).toBe('"1"');
    // callMe's parameters: none, and none is what it says.
    expect(saved.body).toEqual({ templates: [quote, followUp, callMe] });
    const stale = await api.as(admin).put('/v1/config/templates', { templates: [] }, { 'if-match': '"0"' });
    expect(stale.status).toBe(412);
    expect(stale.body).toMatchObject({ code: 'stale_version', detail: 'The message templates changed since you read it (now version 1); read it again and retry.' });

    const read = await api.as(tse1).get('/v1/config/templates');
    expect(read.body).toEqual({ templates: [quote, followUp, callMe] });
    expect(read.headers.get('etag')).toBe('"1"');

    const { db } = getStoreClients();
    const partition = await db.send(new QueryCommand({ TableName: api.stack().tableName, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.config('demo', 'TEMPLATES').pk } }));
    const audits = (partition.Items ?? []).filter((i) => i.subject === 'config' && i.entityId === 'templates');
    expect(audits).toMatchObject([{ action: 'updated', actor: 'admin', actorRole: 'tenant_admin', before: [], after: [quote, followUp, callMe] }]);
  });

  it('refuses a template that breaks a rule, each at its exact path, and writes nothing', async () => {
    const before = await api.as(admin).get('/v1/config/templates');
    const res = await api.as(admin).put(
      '/v1/config/templates',
      {
        templates: [
          { name: 'fine', channel: 'email', subject: 'Hello', text: 'Dear {{client.ownerName}}' },
          { name: 'no-subject', channel: 'email', text: 'Hi {{client.nickname}}' },
          { name: 'wa-subject', channel: 'whatsapp', subject: 'Hi', text: 'Hi {{client.ownerName' },
          { name: 'fine', channel: 'whatsapp', text: 'Hi {{1}}' },
        ],
      },
      { 'if-match': before.headers.get('etag')! },
    );
    expect(res.status).toBe(422);
    const allowed = '{{client.ownerName}}, {{client.companyName}}, {{client.city}}, {{opportunity.product}}, {{opportunity.value}}, {{staff.name}}, {{staff.phone}}';
    expect(res.body.errors).toEqual([
      { field: 'body.templates.1.subject', code: 'required', message: 'is required for an email template' },
      { field: 'body.templates.1.text', code: 'unknown_variable', message: `has {{client.nickname}}, which is not a template variable: use one of ${allowed}` },
      { field: 'body.templates.2.subject', code: 'not_applicable', message: 'WhatsApp messages have no subject' },
      { field: 'body.templates.2.text', code: 'malformed_variable', message: 'has "{{" with no "}}" after it (at character 4)' },
      { field: 'body.templates.3.text', code: 'malformed_variable', message: `has {{1}}, a placeholder of Meta's approved template: name one of our variables here (${allowed}) and fill Meta's {{1}} through whatsapp.parameters` },
      { field: 'body.templates.3.name', code: 'duplicate', message: 'fine is the name of templates.0 too: names are unique' },
    ]);

    const shape = await api.as(admin).put('/v1/config/templates', { templates: [{ name: 'Bad Name', channel: 'fax', text: 'x', extra: 1 }] }, { 'if-match': before.headers.get('etag')! });
    expect(shape.status).toBe(422);
    expect(shape.body.errors.map((e: { field: string; code: string }) => `${e.field} ${e.code}`).sort()).toEqual(['body.templates.0.channel invalid_value', 'body.templates.0.extra unknown_field', 'body.templates.0.name invalid_format']);

    const long = await api.as(admin).put('/v1/config/templates', { templates: [{ name: 'long', channel: 'whatsapp', text: 'x'.repeat(4097) }] }, { 'if-match': before.headers.get('etag')! });
    expect(long.body.errors).toEqual([{ field: 'body.templates.0.text', code: 'too_big', message: 'must be at most 4096 characters for WhatsApp' }]);

    // Each template within its own limits, the whole beyond what one document (and its audit, holding it twice) may take:
    // over HTTP the body limit (64 KB) refuses it first; any other way in, the use case does.
    const big = Array.from({ length: 8 }, (_, i) => ({ name: `big-${i}`, channel: 'email' as const, subject: 'Big', text: 'y'.repeat(19_000) }));
    expect((await api.as(admin).put('/v1/config/templates', { templates: big }, { 'if-match': before.headers.get('etag')! })).status).toBe(413);
    const version = Number(JSON.parse(before.headers.get('etag')!));
    await expect(putTemplates(contextOf(admin, new Date(), getServices()), big, version)).rejects.toMatchObject({
      code: 'validation_failed',
      details: { errors: [{ field: 'body.templates', code: 'too_big', message: `take ${JSON.stringify(big).length} bytes together (as JSON); at most 150000: shorten or remove some` }] },
    });

    const after = await api.as(admin).get('/v1/config/templates');
    expect(after.body).toEqual(before.body);
    expect(after.headers.get('etag')).toBe(before.headers.get('etag'));
  });
});

describe('previewing a template', () => {
  /** A client of tse-1 whose names need escaping in HTML, with a Website deal of ₹4,00,000. */
  async function clientWithDeal(mobile: string, extra: Record<string, unknown> = {}) {
    const client = (await api.as(tse1).post('/v1/clients', { companyName: 'Menon & Sons <Jewellers>', ownerName: 'Anitha "Ammu" Menon', mobile, ...extra })).body;
    const deal = (await api.as(tse1).post(`/v1/clients/${client.id}/opportunities`, { productId: 'website', dealValue: 40_000_000 })).body;
    return { client, deal };
  }

  it('renders a saved email template for the client and deal with the caller as sender: values as they are in text and subject, escaped in HTML', async () => {
    const { client, deal } = await clientWithDeal('9873000001');
    const res = await api.as(tse1).post('/v1/config/templates/preview', { template: 'quote', clientId: client.id, opportunityId: deal.id });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      channel: 'email',
      subject: 'Website quote for Menon & Sons <Jewellers>',
      text: 'Dear Anitha "Ammu" Menon,\nyour Website comes to ₹4,00,000.\nTara TSE',
      html: '<p>Dear Anitha &quot;Ammu&quot; Menon,</p><p>Menon &amp; Sons &lt;Jewellers&gt;: <b>₹4,00,000</b></p>',
    });
  });

  it('renders a WhatsApp template with its Meta-approved part’s parameters, and an unsaved template checked as a PUT checks one', async () => {
    const { client, deal } = await clientWithDeal('9873000002', { city: 'Thrissur' });
    const res = await api.as(tse1).post('/v1/config/templates/preview', { template: 'wa-follow-up', clientId: client.id, opportunityId: deal.id });
    expect(res.body).toEqual({
      channel: 'whatsapp',
      text: 'Hi Anitha "Ammu" Menon, following up on your Website quote.',
      whatsapp: { templateName: 'deal_follow_up', language: 'en', parameters: ['Anitha "Ammu" Menon', '₹4,00,000'] },
    });

    const inline = await api.as(tse1).post('/v1/config/templates/preview', { template: { name: 'draft', channel: 'whatsapp', text: 'See you in {{ client.city }}, {{client.ownerName}}!' }, clientId: client.id });
    expect(inline.status).toBe(200);
    expect(inline.body).toEqual({ channel: 'whatsapp', text: 'See you in Thrissur, Anitha "Ammu" Menon!' });

    const broken = await api.as(tse1).post('/v1/config/templates/preview', { template: { name: 'draft', channel: 'email', text: 'Hi {{client.nickname}}' }, clientId: client.id });
    expect(broken.status).toBe(422);
    expect(broken.body.errors.map((e: { field: string; code: string }) => `${e.field} ${e.code}`)).toEqual(['body.template.subject required', 'body.template.text unknown_variable']);
    const shape = await api.as(tse1).post('/v1/config/templates/preview', { template: { name: 'draft', channel: 'fax', text: 'Hi' }, clientId: client.id });
    expect(shape.body.errors.map((e: { field: string; code: string }) => `${e.field} ${e.code}`)).toEqual(['body.template.channel invalid_value']);
    const unknown = await api.as(tse1).post('/v1/config/templates/preview', { template: 'nope', clientId: client.id });
    expect(unknown.status).toBe(422);
    expect(unknown.body.errors).toEqual([{ field: 'body.template', code: 'unknown_template', message: 'names no template of this tenant (GET /v1/config/templates lists them): nope' }]);
  });

  it('a variable without a value is a 422 naming it: the sender’s phone, the client’s city, a deal not named', async () => {
    const { client, deal } = await clientWithDeal('9873000003');
    const phone = await api.as(tse1).post('/v1/config/templates/preview', { template: 'call-me', clientId: client.id, opportunityId: deal.id });
    expect(phone.status).toBe(422);
    expect(phone.body.errors).toEqual([{ field: 'staff.phone', code: 'missing_value', message: '{{staff.phone}} has no value: the sender has no phone number' }]);
    const city = await api.as(tse1).post('/v1/config/templates/preview', { template: { name: 'draft', channel: 'whatsapp', text: 'In {{client.city}}?' }, clientId: client.id });
    expect(city.body.errors).toEqual([{ field: 'client.city', code: 'missing_value', message: '{{client.city}} has no value: the client has no city' }]);
    const noDeal = await api.as(tse1).post('/v1/config/templates/preview', { template: 'quote', clientId: client.id });
    expect(noDeal.body.errors).toEqual([
      { field: 'opportunity.product', code: 'missing_value', message: '{{opportunity.product}} has no value: the message is not sent for an opportunity' },
      { field: 'opportunity.value', code: 'missing_value', message: '{{opportunity.value}} has no value: the message is not sent for an opportunity' },
    ]);
  });

  it('only for a client and deal the caller may message: another seller’s are 404, another client’s deal 422, an analyst 403', async () => {
    const { client, deal } = await clientWithDeal('9873000004');
    const own = (await api.as(tse2).post('/v1/clients', { companyName: 'Tomy Traders', ownerName: 'Tomy', mobile: '9873000005' })).body;
    expect((await api.as(tse2).post('/v1/config/templates/preview', { template: 'call-me', clientId: client.id })).status).toBe(404);
    const foreignDeal = await api.as(tse2).post('/v1/config/templates/preview', { template: 'quote', clientId: own.id, opportunityId: deal.id });
    expect(foreignDeal.status).toBe(404);
    expect(foreignDeal.body.code).toBe('opportunity_not_found');
    const otherClient = await api.as(admin).post('/v1/config/templates/preview', { template: 'quote', clientId: own.id, opportunityId: deal.id });
    expect(otherClient.status).toBe(422);
    expect(otherClient.body.errors).toEqual([{ field: 'body.opportunityId', code: 'other_client', message: 'is a deal of another client' }]);
    expect((await api.as(analyst).post('/v1/config/templates/preview', { template: 'quote', clientId: client.id, opportunityId: deal.id })).status).toBe(403);
    // Another tenant's client does not exist here.
    expect((await api.as({ tenantId: 'acme', staffId: 'admin', role: 'tenant_admin' }).post('/v1/config/templates/preview', { template: 'quote', clientId: client.id })).status).toBe(404);
  });
});

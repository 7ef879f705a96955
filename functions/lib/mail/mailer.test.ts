import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { EventBridgeClient, PutEventsCommand } from '@aws-sdk/client-eventbridge';
import { mockClient } from 'aws-sdk-client-mock';
import { simpleParser } from 'mailparser';
import { beforeEach, describe, expect, it } from 'vitest';
import { EventBridgeJobQueue } from '../jobs/job-queue';
import { OutboxMailer, SesMailer } from './mailer';
import { composeNightly, renderNightly, type NightlyReport } from './nightly-email';

const ses = mockClient(SESv2Client);
beforeEach(() => ses.reset());

const report: NightlyReport = {
  tenantName: 'Demo Traders',
  manager: { staffId: 'manager', name: 'Manoj Manager', email: 'manager@demo.example' },
  date: '2026-12-01',
  week: '2026-W49',
  currency: 'INR',
  team: {
    stages: [
      { stage: 'Lead', required: 2_000_000_000, actual: 93_000_000, coverage: 0.0465 },
      { stage: 'Closed', required: 40_000_000, actual: 10_000_000, coverage: 0.25 },
    ],
    members: [
      {
        staffId: 'tse-1',
        name: 'Tara <TSE> & Co',
        role: 'tse',
        revenue: { target: 40_000_000, achieved: 10_000_000 },
        activity: [{ metric: 'calls', target: 360, achieved: 40 }],
        coverage: { stage: 'Lead', coverage: 0.0465 },
        diagnoses: [{ code: 'lead_generation', message: 'Lead pipeline of ₹9.3L covers 4.7 % of the ₹2 Cr a ₹4L week needs.', evidence: {} }],
        alerts: [],
      },
    ],
  },
};

describe('the nightly email as MIME', () => {
  it('is multipart: text, and HTML with its two charts inline by Content-ID; names are escaped in the HTML', async () => {
    const rendered = await renderNightly(report);
    const raw = await composeNightly(report, rendered, 'CRM <reports@crm.example>');
    const mail = await simpleParser(raw, { skipImageLinks: true });
    expect(mail.from?.text).toBe('"CRM" <reports@crm.example>');
    expect(mail.subject).toBe('Demo Traders: your team on 2026-12-01 — 1 of 1 need attention, 0 open alerts');
    expect(mail.headers.get('x-crm-report')).toBe('nightly 2026-12-01 manager');
    expect(mail.attachments.map((a) => [a.contentType, a.cid, a.filename, a.content.subarray(1, 4).toString()])).toEqual([
      ['image/png', 'coverage@crm', 'coverage.png', 'PNG'],
      ['image/png', 'revenue@crm', 'revenue.png', 'PNG'],
    ]);
    expect(mail.html).toContain('<b>Tara &lt;TSE&gt; &amp; Co</b>');
    expect(mail.html).not.toContain('<TSE>');
    expect(mail.text).toContain('Tara <TSE> & Co (tse)\n  Revenue ₹1L of ₹4L; calls 40/360\n  Lowest coverage: 5 % at Lead\n  Lead generation: Lead pipeline of ₹9.3L');
  });
});

describe('mailers', () => {
  it('SES v2: sends the raw message from the sender to the manager, with its configuration set and a tag naming it', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: '0101-abc' });
    const raw = Buffer.from('From: a@b\r\n\r\nhi');
    const sent = await new SesMailer(new SESv2Client({ region: 'ap-south-1' }), 'crm-mail').send({ from: 'CRM <reports@crm.example>', to: ['manager@demo.example'], raw, key: 'nightly-demo-2026-12-01-manager' });
    expect(sent).toEqual({ messageId: '0101-abc' });
    expect(ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input)).toEqual([
      {
        FromEmailAddress: 'CRM <reports@crm.example>',
        Destination: { ToAddresses: ['manager@demo.example'] },
        Content: { Raw: { Data: raw } },
        ConfigurationSetName: 'crm-mail',
        EmailTags: [{ Name: 'message', Value: 'nightly-demo-2026-12-01-manager' }],
      },
    ]);
  });

  it('SES v2: a client message is tagged with its tenant too, so SES’s bounces and complaints find it (#14)', async () => {
    ses.on(SendEmailCommand).resolves({ MessageId: '0101-def' });
    const raw = Buffer.from('From: a@b\r\n\r\nhi');
    await new SesMailer(new SESv2Client({ region: 'ap-south-1' }), 'crm-mail').send({ from: 'sales@crm.example', to: ['anil@sreejewellers.in'], raw, key: 'm_01kbz3q5v8r2m7n4p6t9w1x3y501kbz4a0t6c8e2g4j6m8p0r2s4', tenantId: 'demo' });
    expect(ses.commandCalls(SendEmailCommand).map((c) => c.args[0].input)).toEqual([
      {
        FromEmailAddress: 'sales@crm.example',
        Destination: { ToAddresses: ['anil@sreejewellers.in'] },
        Content: { Raw: { Data: raw } },
        ConfigurationSetName: 'crm-mail',
        EmailTags: [
          { Name: 'message', Value: 'm_01kbz3q5v8r2m7n4p6t9w1x3y501kbz4a0t6c8e2g4j6m8p0r2s4' },
          { Name: 'tenant', Value: 'demo' },
        ],
      },
    ]);
  });

  it('SES v2: a refusal is an error (the job retries), and an answer without a MessageId is one too', async () => {
    ses.on(SendEmailCommand).rejectsOnce(new Error('MessageRejected: Email address is not verified.')).resolvesOnce({});
    const mailer = new SesMailer(new SESv2Client({ region: 'ap-south-1' }));
    const mail = { from: 'a@b.example', to: ['c@d.example'], raw: Buffer.from('x'), key: 'k' };
    await expect(mailer.send(mail)).rejects.toThrow(/not verified/);
    await expect(mailer.send(mail)).rejects.toThrow(/without a MessageId/);
  });

  it('the local outbox writes one .eml per message, named by its key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'outbox-'));
    try {
      const sent = await new OutboxMailer(dir).send({ from: 'a@b.example', to: ['c@d.example'], raw: Buffer.from('Subject: hi\r\n\r\nbody'), key: 'nightly/../x y' });
      expect(sent.messageId).toBe(`outbox:${join(dir, 'nightly_.._x_y.eml')}`);
      expect(readFileSync(join(dir, 'nightly_.._x_y.eml'), 'utf8')).toBe('Subject: hi\r\n\r\nbody');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('EventBridgeJobQueue', () => {
  const eventBridge = mockClient(EventBridgeClient);
  it('puts one job.requested entry per tenant, ten at a time, from source crm.jobs on the named bus', async () => {
    eventBridge.reset();
    eventBridge.on(PutEventsCommand).callsFake((input) => ({ FailedEntryCount: 0, Entries: input.Entries.map(() => ({ EventId: 'x' })) }));
    const requests = Array.from({ length: 12 }, (_, i) => ({ job: 'daily-tasks' as const, tenantId: `t-${i}`, at: '2026-12-01T00:30:00.000Z', executionId: 'run-1' }));
    await new EventBridgeJobQueue(new EventBridgeClient({ region: 'ap-south-1' }), 'crm-bus').request(requests);
    const calls = eventBridge.commandCalls(PutEventsCommand).map((c) => c.args[0].input.Entries!);
    expect(calls.map((e) => e.length)).toEqual([10, 2]);
    expect(calls.flat()[0]).toEqual({ Source: 'crm.jobs', DetailType: 'job.requested', Detail: JSON.stringify(requests[0]), Time: new Date('2026-12-01T00:30:00.000Z'), EventBusName: 'crm-bus' });
  });
});

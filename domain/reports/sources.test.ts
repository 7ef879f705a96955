import { describe, expect, it } from 'vitest';
import { compileReport, type CompileContext, type ReportScope } from './compile';
import { ReportSpec, type ReportSpecInput } from './spec';
import { sources } from './sources';
import { budgetBandNames, budgetBandSql } from './themes';

const ctx = (scope: ReportScope = { kind: 'tenant' }): CompileContext => ({ tenantId: 'acme', scope, timeZone: 'Asia/Kolkata', asOf: '2026-04-01T00:00:00.000Z' });
const compile = (spec: ReportSpecInput, scope?: ReportScope) => compileReport(ReportSpec.parse({ period: { from: '2026-03-01', to: '2026-03-31' }, ...spec }), ctx(scope));

describe('the messages source', () => {
  it('is a staff member’s by its sender, a warrior’s or partner’s by the deal it is about', () => {
    expect(compile({ source: 'messages', dimensions: ['channel'], measures: ['count'] }, { kind: 'staff', staffIds: ['tse-1'] }).sql).toContain('AND (staff_id IN {scope:Array(String)})');
    expect(compile({ source: 'messages', dimensions: ['channel'], measures: ['count'] }, { kind: 'handed', opportunityIds: ['o_1'] }).sql).toContain('AND opportunity_id IN {scope:Array(String)}');
  });

  it('reads response times from the clients’ threads only when a field needs them, once', () => {
    expect(compile({ source: 'messages', dimensions: ['direction'], measures: ['count'] }).sql).not.toContain('message_thread');
    const { sql } = compile({ source: 'messages', dimensions: ['answeredBy'], measures: ['median:responseMinutes', 'p90:replyMinutes'], filters: [{ field: 'answered', op: 'eq', value: true }] });
    expect(sql.match(/FROM message_thread FINAL WHERE tenant_id = \{tenant:String\}/g)).toHaveLength(1);
    expect(sql).toContain('join_use_nulls = 1');
  });
});

describe('feedback themes on the activities source', () => {
  it('bands budgets as themes.ts defines them, in band order, and names the competitor', () => {
    const band = sources.activities.fields.budgetBand!;
    expect(band.sql).toBe(budgetBandSql('budget'));
    expect(band.values).toEqual(['', ...budgetBandNames]);
    expect(band.ordered).toBe(true);
    expect(sources.activities.fields.competitor!.sql).toBe('competitor');
    expect(sources.activities.fields.withFeedback!.sql).toBe('isNotNull(budget)');
  });
});

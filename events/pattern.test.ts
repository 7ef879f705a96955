import { describe, expect, it } from 'vitest';
import { assertSupportedPattern, matchesPattern, UnsupportedPatternError } from './pattern';
import { rules } from './rules';

// Shaped like the EventBridge documentation's examples (an EC2 state change and a domain event).
const event = {
  version: '0',
  id: '6a7e8feb-b491-4cf7-a9f1-bf3703467718',
  'detail-type': 'client.created',
  source: 'crm.core',
  account: '111122223333',
  time: '2026-03-02T04:30:12Z',
  region: 'ap-south-1',
  resources: ['arn:aws:dynamodb:ap-south-1:111122223333:table/crm', 'arn:aws:s3:::cards'],
  detail: {
    tenantId: 'demo',
    entity: 'client',
    version: 1,
    actor: null,
    data: { after: { companyName: 'Sree Jewellers', email: 'anil@sreejewellers.in', dealValue: 45000, tags: ['gold', 'retail'] } },
  },
};

describe('matchesPattern (EventBridge semantics)', () => {
  it.each<[string, object, boolean]>([
    ['the empty pattern matches everything', {}, true],
    ['exact value, one of a list', { source: ['crm.core', 'crm.other'] }, true],
    ['exact value is case sensitive', { source: ['CRM.core'] }, false],
    ['every key must match (AND)', { source: ['crm.core'], 'detail-type': ['client.updated'] }, false],
    ['nested detail fields', { detail: { entity: ['client'], data: { after: { companyName: ['Sree Jewellers'] } } } }, true],
    ['nested field that differs', { detail: { data: { after: { companyName: ['Other'] } } } }, false],
    ['numbers compare numerically', { detail: { version: [1.0] } }, true],
    ['a number does not equal its string', { detail: { version: ['1'] } }, false],
    ['null matches a null value', { detail: { actor: [null] } }, true],
    ['null does not match a missing field', { detail: { missing: [null] } }, false],
    ['an event array matches when any element matches', { resources: ['arn:aws:s3:::cards'] }, true],
    ['nested event arrays too', { detail: { data: { after: { tags: ['retail'] } } } }, true],
    ['prefix', { 'detail-type': [{ prefix: 'client.' }] }, true],
    ['prefix that does not match', { 'detail-type': [{ prefix: 'opportunity.' }] }, false],
    ['prefix on an array element', { resources: [{ prefix: 'arn:aws:dynamodb:' }] }, true],
    ['prefix with equals-ignore-case', { 'detail-type': [{ prefix: { 'equals-ignore-case': 'CLIENT.' } }] }, true],
    ['suffix', { detail: { data: { after: { email: [{ suffix: '.in' }] } } } }, true],
    ['suffix ignoring case', { detail: { data: { after: { email: [{ suffix: { 'equals-ignore-case': '.IN' } }] } } } }, true],
    ['prefix does not apply to numbers', { detail: { version: [{ prefix: '1' }] } }, false],
    ['equals-ignore-case', { source: [{ 'equals-ignore-case': 'CRM.Core' }] }, true],
    ['wildcard', { 'detail-type': [{ wildcard: 'client.*ed' }] }, true],
    ['wildcard anchored at both ends', { 'detail-type': [{ wildcard: 'client.*x' }] }, false],
    ['anything-but a value', { 'detail-type': [{ 'anything-but': 'client.updated' }] }, true],
    ['anything-but the value itself', { 'detail-type': [{ 'anything-but': 'client.created' }] }, false],
    ['anything-but a list', { 'detail-type': [{ 'anything-but': ['client.created', 'client.updated'] }] }, false],
    ['anything-but a number', { detail: { version: [{ 'anything-but': [2, 3] }] } }, true],
    ['anything-but prefix', { 'detail-type': [{ 'anything-but': { prefix: 'opportunity.' } }] }, true],
    ['anything-but prefix that matches', { 'detail-type': [{ 'anything-but': { prefix: 'client.' } }] }, false],
    ['anything-but suffix', { 'detail-type': [{ 'anything-but': { suffix: '.created' } }] }, false],
    ['anything-but equals-ignore-case', { source: [{ 'anything-but': { 'equals-ignore-case': ['CRM.CORE'] } }] }, false],
    ['anything-but needs the field present', { detail: { missing: [{ 'anything-but': 'x' }] } }, false],
    ['anything-but on an array: any other element', { resources: [{ 'anything-but': 'arn:aws:s3:::cards' }] }, true],
    ['exists true on a present leaf', { detail: { tenantId: [{ exists: true }] } }, true],
    ['exists true on a missing leaf', { detail: { missing: [{ exists: true }] } }, false],
    ['exists false on a missing leaf', { detail: { missing: [{ exists: false }] } }, true],
    ['exists false under a missing parent', { detail: { nowhere: { missing: [{ exists: false }] } } }, true],
    ['exists false on a present leaf', { detail: { tenantId: [{ exists: false }] } }, false],
    ['exists works on leaves only, not objects', { detail: { data: [{ exists: true }] } }, false],
    ['exists true on a null value (present)', { detail: { actor: [{ exists: true }] } }, true],
    ['numeric range', { detail: { data: { after: { dealValue: [{ numeric: ['>', 0, '<=', 50000] }] } } } }, true],
    ['numeric outside the range', { detail: { data: { after: { dealValue: [{ numeric: ['>=', 50000] }] } } } }, false],
    ['numeric equals', { detail: { version: [{ numeric: ['=', 1] }] } }, true],
    ['numeric on a string', { source: [{ numeric: ['>', 0] }] }, false],
    ['matchers in one list are OR-ed', { 'detail-type': ['client.updated', { prefix: 'client.c' }] }, true],
    ['$or of two patterns, second matches', { $or: [{ source: ['x'] }, { detail: { entity: ['client'] } }] }, true],
    ['$or of two patterns, none matches', { $or: [{ source: ['x'] }, { detail: { entity: ['opportunity'] } }] }, false],
    ['$or beside other keys (AND)', { source: ['crm.core'], $or: [{ 'detail-type': ['client.created'] }, { 'detail-type': ['x'] }] }, true],
    ['a nested pattern where the event has a scalar', { source: { inner: ['crm.core'] } }, false],
  ])('%s', (_, pattern, expected) => {
    assertSupportedPattern(pattern);
    expect(matchesPattern(pattern, event)).toBe(expected);
  });

  it.each<[string, object]>([
    ['cidr', { source: [{ cidr: '10.0.0.0/24' }] }],
    ['two keys in one matcher', { source: [{ prefix: 'a', suffix: 'b' }] }],
    ['a scalar instead of a list', { source: 'crm.core' }],
    ['an empty list', { source: [] }],
    ['a bad numeric operator', { detail: { version: [{ numeric: ['!=', 1] }] } }],
    ['exists with a non-boolean', { detail: { version: [{ exists: 'yes' }] } }],
    ['anything-but with an unknown form', { source: [{ 'anything-but': { cidr: '10.0.0.0/8' } }] }],
    ['$or with one branch', { $or: [{ source: ['x'] }] }],
  ])('refuses what it does not implement: %s', (_, pattern) => {
    expect(() => assertSupportedPattern(pattern)).toThrow(UnsupportedPatternError);
  });

  it('supports every rule the system deploys', () => {
    for (const rule of rules) expect(() => assertSupportedPattern(rule.eventPattern)).not.toThrow();
  });
});

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Staff } from '../staff/staff';
import { AssignmentConfig, AssignmentRule, eligible, leastLoaded, matches, roundRobin, ruleFor } from './assignment';

const person = (staffId: string, role: Staff['role'] = 'tse', active = true): Staff => ({ staffId, name: staffId, email: `${staffId}@x.example`, role, path: `admin/${staffId}`, active, createdAt: '2026-01-01T00:00:00.000Z', version: 1 });
const lead = { source: 'web_form', connectionId: 'ic_1', productId: 'website', city: 'Kochi', pincode: '682016' };
const rule = (r: Partial<AssignmentRule>): AssignmentRule => AssignmentRule.parse({ strategy: 'round_robin', staff: ['a'], ...r });

describe('assignment rules', () => {
  it('match on source (provider or connection), product, city (case and spacing folded) and PIN prefix', () => {
    expect(matches(rule({}), lead)).toBe(true);
    expect(matches(rule({ match: { source: 'web_form' } }), lead)).toBe(true);
    expect(matches(rule({ match: { source: 'ic_1' } }), lead)).toBe(true);
    expect(matches(rule({ match: { source: 'facebook_lead_ads' } }), lead)).toBe(false);
    expect(matches(rule({ match: { productId: 'kml' } }), lead)).toBe(false);
    expect(matches(rule({ match: { city: '  KOCHI ' } }), lead)).toBe(true);
    expect(matches(rule({ match: { city: 'Kochi' } }), { ...lead, city: undefined })).toBe(false);
    expect(matches(rule({ match: { pincode: '6820' } }), lead)).toBe(true);
    expect(matches(rule({ match: { pincode: '6821' } }), lead)).toBe(false);
  });

  it('the first matching rule decides', () => {
    const config = AssignmentConfig.parse({ rules: [rule({ match: { productId: 'kml' }, staff: ['x'] }), rule({ match: { city: 'Kochi' }, staff: ['y'] }), rule({ staff: ['z'] })], defaultOwner: 'd' });
    expect(ruleFor(config, lead)?.index).toBe(1);
    expect(ruleFor(config, { ...lead, city: 'Thrissur' })?.index).toBe(2);
    expect(ruleFor(AssignmentConfig.parse({ rules: [], defaultOwner: 'd' }), lead)).toBeUndefined();
    expect(AssignmentConfig.parse({ defaultOwner: 'd' }).firstResponseMinutes).toBe(15);
  });

  it('skips deactivated staff, people who do not sell and people who are gone', () => {
    const staff = new Map([person('a'), person('b', 'tse', false), person('c', 'warrior'), person('e', 'manager')].map((s) => [s.staffId, s]));
    expect(eligible(rule({ staff: ['a', 'b', 'c', 'd', 'e'] }), staff)).toEqual(['a', 'e']);
  });

  it('least loaded takes the fewest open leads, ties to the earlier in the list', () => {
    expect(leastLoaded(['a', 'b', 'c'], new Map([['a', 3], ['b', 1], ['c', 1]]))).toBe('b');
    expect(leastLoaded(['a', 'b'], new Map())).toBe('a');
  });

  it('round robin: any run of consecutive tickets over the same people gives counts that differ by at most one', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 8 }), fc.nat(10_000), fc.nat(200), (people, first, n) => {
        const counts = new Map(people.map((p) => [p, 0]));
        for (let t = first; t < first + n; t++) counts.set(roundRobin(people, t), counts.get(roundRobin(people, t))! + 1);
        const values = [...counts.values()];
        return Math.max(...values) - Math.min(...values) <= 1 && values.reduce((a, b) => a + b, 0) === n;
      }),
    );
  });
});
